"""The store's tables, in SQL that DuckDB and PostgreSQL both accept."""

TABLES = {
    "sources": """
        CREATE TABLE sources (
            source_id VARCHAR PRIMARY KEY,
            publisher VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            licence VARCHAR NOT NULL,
            vintage VARCHAR NOT NULL,
            citation VARCHAR NOT NULL,
            caveats VARCHAR NOT NULL,
            download_urls VARCHAR NOT NULL,
            manual VARCHAR
        )""",
    "indicators": """
        CREATE TABLE indicators (
            indicator_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            pillar VARCHAR NOT NULL,
            unit VARCHAR NOT NULL,
            description VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL REFERENCES sources (source_id),
            series_code VARCHAR NOT NULL,
            higher_is_better BOOLEAN NOT NULL,
            kind VARCHAR NOT NULL,
            caveats VARCHAR NOT NULL,
            min_value DOUBLE PRECISION,
            max_value DOUBLE PRECISION,
            rankable BOOLEAN NOT NULL
        )""",
    "countries": """
        CREATE TABLE countries (
            iso3 VARCHAR PRIMARY KEY,
            iso2 VARCHAR,
            m49 VARCHAR,
            name VARCHAR NOT NULL,
            un_region VARCHAR,
            un_subregion VARCHAR,
            wb_region VARCHAR,
            wb_income_group VARCHAR,
            wb_classification VARCHAR,
            wb_lending_category VARCHAR,
            independent BOOLEAN NOT NULL
        )""",
    "groups": """
        CREATE TABLE groups (
            group_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            url VARCHAR NOT NULL
        )""",
    "country_groups": """
        CREATE TABLE country_groups (
            group_id VARCHAR NOT NULL REFERENCES groups (group_id),
            iso3 VARCHAR NOT NULL REFERENCES countries (iso3),
            since INTEGER,
            until INTEGER,
            PRIMARY KEY (group_id, iso3)
        )""",
    "observations": """
        CREATE TABLE observations (
            iso3 VARCHAR NOT NULL,
            indicator_id VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            value DOUBLE PRECISION NOT NULL,
            source_id VARCHAR NOT NULL,
            note VARCHAR
        )""",
    "aggregate_observations": """
        CREATE TABLE aggregate_observations (
            entity VARCHAR NOT NULL,
            indicator_id VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            year INTEGER NOT NULL,
            value DOUBLE PRECISION NOT NULL,
            source_id VARCHAR NOT NULL,
            note VARCHAR
        )""",
    "excluded_names": """
        CREATE TABLE excluded_names (
            file VARCHAR NOT NULL,
            column_name VARCHAR NOT NULL,
            raw_value VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            rows_excluded INTEGER NOT NULL
        )""",
    "ingest_runs": """
        CREATE TABLE ingest_runs (
            run_id INTEGER PRIMARY KEY,
            started_at VARCHAR NOT NULL,
            finished_at VARCHAR NOT NULL,
            snapshot VARCHAR NOT NULL,
            aigap_version VARCHAR NOT NULL,
            observations INTEGER NOT NULL
        )""",
    "ingest_files": """
        CREATE TABLE ingest_files (
            run_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            file VARCHAR NOT NULL,
            bytes BIGINT NOT NULL,
            sha256 VARCHAR NOT NULL,
            row_count INTEGER
        )""",
    "ingest_counts": """
        CREATE TABLE ingest_counts (
            run_id INTEGER NOT NULL,
            source_id VARCHAR NOT NULL,
            observations INTEGER NOT NULL
        )""",
}

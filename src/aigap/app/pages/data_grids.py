"""Column definitions of the Data & sources page's grids (declarations only; the rows come from the view)."""

from __future__ import annotations

# The observation table: store columns plus the country name and unit; indicator_id is hidden on screen but kept in
# the rows and in the CSV so a downloaded file says what it holds. Header names are the column names of the CSV.
# No column flexes: ag-grid hides every header cell (visibility: hidden) of a grid with a flex column until it has
# sized it, which it does only once the grid is scrolled into view, so below the fold (on a phone) the headers were
# invisible to screen readers (Lighthouse's aria-required-children). The fixed widths fill the 1,414 px of a
# 1440 px window (the pinned iso3 and country, then 1,150 px) and fit the longest source_id (27 characters, 216 px
# with the cell's padding and borders) and most notes whole; a longer note is in full on hover.
GRID_COLUMNS = [
    {"field": "iso3", "headerName": "iso3", "headerTooltip": "ISO 3166-1 alpha-3 code", "width": 90,
     "pinned": "left"},
    {"field": "country", "headerName": "country", "headerTooltip": "Country name", "width": 170, "pinned": "left"},
    {"field": "indicator_id", "headerName": "indicator_id", "hide": True},
    {"field": "period", "headerName": "period", "headerTooltip": "Period as published (year, half, quarter, "
                                                                  "list edition)", "width": 95},
    {"field": "year", "headerName": "year", "filter": "agNumberColumnFilter", "width": 90},
    {"field": "value", "headerName": "value", "filter": "agNumberColumnFilter", "type": "rightAligned",
     "width": 140, "valueFormatter": {"function": "params.value == null ? '' : Math.abs(params.value) >= 1e6 ? "
                                       "d3.format(',.0f')(params.value) : d3.format(',.6~g')(params.value)"},
     "headerTooltip": "Value as stored (the CSV keeps full precision)"},
    {"field": "unit", "headerName": "unit", "width": 200, "tooltipField": "unit"},
    {"field": "note", "headerName": "note", "width": 400, "tooltipField": "note",
     "headerTooltip": "Set when a value is year to date, derived or otherwise special"},
    {"field": "source_id", "headerName": "source_id", "width": 225},
]

CATALOGUE_COLUMNS = [
    {"field": "indicator_id", "headerName": "Indicator", "cellRenderer": "markdown", "width": 230, "pinned": "left",
     "tooltipField": "indicator_id", "valueGetter": {"function": "`[${params.data.indicator_id}]"
                                                                 "(/data?indicator=${params.data.indicator_id})`"}},
    {"field": "name", "headerName": "Name", "width": 300, "tooltipField": "name"},
    {"field": "pillar", "headerName": "Pillar", "width": 130},
    {"field": "unit", "headerName": "Unit", "width": 190, "tooltipField": "unit"},
    {"field": "publisher", "headerName": "Source", "width": 200, "tooltipField": "publisher"},
    {"field": "licence", "headerName": "Licence", "width": 220, "tooltipField": "licence"},
    {"field": "vintage", "headerName": "Vintage", "width": 200, "tooltipField": "vintage"},
    {"field": "countries", "headerName": "Countries", "filter": "agNumberColumnFilter", "width": 115},
    {"field": "observations", "headerName": "Observations", "filter": "agNumberColumnFilter", "width": 130},
    {"field": "first_period", "headerName": "First", "width": 100},
    {"field": "last_period", "headerName": "Last", "width": 100},
]

EXCLUDED_COLUMNS = [
    {"field": "file", "headerName": "File", "width": 330, "tooltipField": "file"},
    {"field": "column_name", "headerName": "Column", "width": 160},
    {"field": "raw_value", "headerName": "Name in the file", "width": 220, "tooltipField": "raw_value"},
    {"field": "reason", "headerName": "Why excluded", "width": 420, "tooltipField": "reason"},
    {"field": "rows_excluded", "headerName": "Rows", "filter": "agNumberColumnFilter", "width": 90},
]

DEFAULT_COL = {"sortable": True, "filter": True, "resizable": True, "floatingFilter": True}

# Options of every grid on the page. ag-grid sets content-visibility: auto on a grid, so Chromium neither drew a
# grid that was off screen nor had it in its accessibility tree (measured: no column header in the tree until the
# grid had been scrolled into view, while the headings around it were there), and full-page screenshots showed
# empty boxes. The grids are drawn like the rest of the page instead.
GRID_OPTIONS = {"tooltipShowDelay": 300, "enableCellTextSelection": True, "suppressContentVisibilityAuto": True}

"""aigap: AI-gap indicators, from publisher files to a dashboard."""

__version__ = "0.1.0"

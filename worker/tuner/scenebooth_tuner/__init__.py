"""SceneBooth's GPU stages, run by the Node worker as a subprocess."""

__version__ = "0.1.0"

"""InsERT Subiekt GT source for sellintegro.

Reads FS, PA, KFS, ZW and FSd documents straight from Subiekt GT's SQL Server database (read-only, SELECT
only) through pyodbc, or from a SQLite demo database (``sqlite:///path``) through the standard library.
"""

__version__ = "0.1.0"

"""Writers: tables, Stata files, the data package, charts and the report."""

-- PostgreSQL drops foreign keys that another key of the same row implies on the rows
-- every sale writes (see its 0008). SQLite cannot drop a constraint without rebuilding
-- the table, and checks keys inside the process at little cost, so it keeps them: the
-- two backends keep the same tables and columns, and SQLite the stricter keys.
SELECT 1;

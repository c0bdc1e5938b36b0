-- Run once in every fresh cluster, in single-user mode before FerretDB connects
-- (postgres-process.ts); statements end with a semicolon and an empty line (`postgres -j`).
--
-- FerretDB v1.24.2 on PostgreSQL pushes an equality on a field down into SQL as
-- `_jsonb -> 'field' @> value`, and on a dotted path as `_jsonb #> '{a,b}' @> value`
-- (internal/backends/postgresql/query.go), but makes every index a btree on
-- `((_jsonb -> 'a') -> 'b')` (metadata/registry.go), which cannot serve `@>`: every lookup is a
-- sequential scan. So beside each btree index it creates on a collection's table, an event
-- trigger creates a companion: a GIN index over the same keys, in the form FerretDB's queries use
-- (`jsonb_path_ops`, the operator class for `@>`), with `fastupdate` off so that lookups never
-- scan a pending list. FerretDB keeps its own list of indexes and never sees the companions; a
-- second trigger drops a companion with its index (a table's go with the table).
--
-- Left out: keys on a dotted path (FerretDB pushes them down only behind its experimental
-- --test-enable-nested-pushdown, whose `#>` misses documents where the path crosses an array, so
-- such a lookup scans with or without an index), and FerretDB's own metadata table (read once at
-- start, then cached).

-- The field path an index key is on, from its definition as PostgreSQL prints it
-- (`((_jsonb -> 'a'::text) -> 'b'::text)` is {a,b}); NULL for anything else (none FerretDB makes).
CREATE OR REPLACE FUNCTION public.org_service_key_path(expression text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  parts text[];
  rebuilt text;
BEGIN
  SELECT array_agg(replace(match[1], '''''', '''') ORDER BY position)
    INTO parts
    FROM regexp_matches(expression, '''((?:[^'']|'''')*)''::text', 'g') WITH ORDINALITY AS found(match, position);
  IF parts IS NULL THEN
    RETURN NULL;
  END IF;
  -- Quoted as PostgreSQL prints a literal (standard strings: quotes doubled, nothing else escaped).
  rebuilt := '_jsonb -> ''' || replace(parts[1], '''', '''''') || '''::text';
  FOR i IN 2 .. array_length(parts, 1) LOOP
    rebuilt := '(' || rebuilt || ') -> ''' || replace(parts[i], '''', '''''') || '''::text';
  END LOOP;
  rebuilt := '(' || rebuilt || ')';
  IF rebuilt IS DISTINCT FROM expression THEN
    RETURN NULL;
  END IF;
  RETURN parts;
END
$fn$;

-- A companion's name, from its index's (unique in the schema, as FerretDB makes them across a
-- database), within PostgreSQL's 63 bytes.
CREATE OR REPLACE FUNCTION public.org_service_companion_name(btree_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT 'gin_' || md5(btree_name)
$fn$;

CREATE OR REPLACE FUNCTION public.org_service_add_companions() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  created record;
  keys text[];
  path text[];
BEGIN
  FOR created IN
    SELECT i.indexrelid, i.indnkeyatts, ic.relname AS index_name, tc.relname AS table_name, n.nspname AS schema_name
      FROM pg_event_trigger_ddl_commands() AS command
      JOIN pg_index AS i ON i.indexrelid = command.objid
      JOIN pg_class AS ic ON ic.oid = i.indexrelid
      JOIN pg_am AS am ON am.oid = ic.relam
      JOIN pg_class AS tc ON tc.oid = i.indrelid
      JOIN pg_namespace AS n ON n.oid = tc.relnamespace
     WHERE command.object_type = 'index' AND am.amname = 'btree'
       AND tc.relname <> '_ferretdb_database_metadata'
  LOOP
    -- One GIN index over every top-level field of the index: a multicolumn GIN index serves a
    -- condition on any of its columns. Dotted paths are left out: FerretDB does not push them down.
    keys := '{}';
    FOR k IN 1 .. created.indnkeyatts LOOP
      path := public.org_service_key_path(pg_get_indexdef(created.indexrelid, k, true));
      IF array_length(path, 1) = 1 THEN
        keys := keys || format('(_jsonb -> %L) jsonb_path_ops', path[1]);
      END IF;
    END LOOP;
    CONTINUE WHEN cardinality(keys) = 0;
    EXECUTE format(
      'CREATE INDEX %I ON %I.%I USING gin (%s) WITH (fastupdate = off)',
      public.org_service_companion_name(created.index_name), created.schema_name, created.table_name,
      array_to_string(keys, ', ')
    );
  END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION public.org_service_drop_companions() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  dropped record;
BEGIN
  FOR dropped IN
    SELECT schema_name, object_name FROM pg_event_trigger_dropped_objects()
     WHERE object_type = 'index' AND object_name !~ '^gin_[0-9a-f]{32}$'
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', dropped.schema_name, public.org_service_companion_name(dropped.object_name));
  END LOOP;
END
$fn$;

CREATE EVENT TRIGGER org_service_add_companions ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION public.org_service_add_companions();

CREATE EVENT TRIGGER org_service_drop_companions ON sql_drop
  WHEN TAG IN ('DROP INDEX') EXECUTE FUNCTION public.org_service_drop_companions();

-- For development only: this drops every MCP server, version, tag, alias and
-- endpoint. Down refuses to run it when MLflow owns the tables.
DROP TABLE mcp_access_endpoints;
DROP TABLE mcp_server_aliases;
DROP TABLE mcp_server_version_tags;
DROP TABLE mcp_server_tags;
DROP TABLE mcp_server_versions;
DROP TABLE mcp_servers;
DELETE FROM mlflow_sidecar_metadata WHERE "key" = 'mcp_tables_owner';

package mcpspec

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// MLflow's server_json model (ServerJSONPayload and its parts, wire-api.md
// §4.3). Every part keeps unknown keys; the stored form lists the declared
// keys that were sent, in declaration order, then the unknown ones in the
// order they came. _meta may also be sent as "meta" (populate_by_name).
var (
	envVarModel = &modelDef{class: "ServerJSONEnvironmentVariablePayload", extra: true, fields: []field{
		{name: "name", typ: typeStr, required: true},
		{name: "description", typ: typeStr},
		{name: "isRequired", typ: typeBool},
		{name: "isSecret", typ: typeBool},
	}}
	packageModel = &modelDef{class: "ServerJSONPackagePayload", extra: true, fields: []field{
		{name: "registryType", typ: typeStr, required: true},
		{name: "identifier", typ: typeStr, required: true},
		{name: "transport", typ: typeAny, required: true},
		{name: "registryBaseUrl", typ: typeStr},
		{name: "version", typ: typeStr},
		{name: "environmentVariables", typ: typeModelList, model: envVarModel},
	}}
	remoteModel = &modelDef{class: "ServerJSONRemotePayload", extra: true, fields: []field{
		{name: "type", typ: typeStr},
		{name: "url", typ: typeStr},
	}}
	repositoryModel = &modelDef{class: "ServerJSONRepositoryPayload", extra: true, fields: []field{
		{name: "url", typ: typeStr, required: true},
		{name: "source", typ: typeStr, required: true},
		{name: "id", typ: typeStr},
		{name: "subfolder", typ: typeStr},
	}}
	serverJSONModel = &modelDef{class: "ServerJSONPayload", extra: true, fields: []field{
		{name: "name", typ: typeStr, required: true},
		{name: "version", typ: typeStr, required: true},
		{name: "title", typ: typeStr},
		{name: "description", typ: typeStr},
		{name: "icons", typ: typeIconList},
		{name: "packages", typ: typeModelList, model: packageModel},
		{name: "remotes", typ: typeModelList, model: remoteModel},
		{name: "repository", typ: typeModel, model: repositoryModel},
		{name: "websiteUrl", typ: typeStr},
		{name: "meta", alias: "_meta", typ: typeDict},
	}}
)

// ServerJSONOptions selects how server.json documents are checked.
type ServerJSONOptions struct {
	// Strict holds documents without $schema to the newest official schema
	// (--server-json-validation=strict). Documents that declare a $schema
	// are always held to it.
	Strict bool
	// Loc is where the document sits in the request; "server_json" when
	// empty. It prefixes every issue location.
	Loc string
}

// ServerJSON is a validated server.json.
type ServerJSON struct {
	Name    string
	Version string
	// Remotes are the declared remotes, for creating access endpoints.
	Remotes []Remote
	// Schema is the $schema URL the document was checked against; "" when
	// none applied.
	Schema string
	// Canonical is the JSON to store: MLflow's form (see ValidateServerJSON).
	Canonical json.RawMessage
}

// Remote is one server.json remote; Type and URL are "" when absent or null
// (MLflow makes both optional).
type Remote struct {
	Type string
	URL  string
}

// ValidateServerJSON checks a server.json sent in a request and returns it
// with the JSON to store. The checks, in order:
//
//  1. MLflow's model (wire-api.md §4.3), icon URL and mimeType rules
//     included, with MLflow's precedence: an icon failure is reported alone
//     as plain mlflowerr.Invalid; otherwise every model issue is reported
//     as one "Invalid request: server_json...: ..." *mlflowerr.RequestError.
//  2. The stricter icon theme and sizes rules (COMPATIBILITY.md).
//  3. The official JSON Schema named by $schema (an unknown URL is an
//     issue at server_json.$schema listing the known ones), or, in strict
//     mode, the newest one for documents without $schema. Failures are a
//     *mlflowerr.RequestError titled "server_json does not match schema
//     <url>" whose issues are located by JSON pointer (server_json/<ptr>).
//
// Duplicate keys, invalid UTF-8 and unpaired \u surrogates are rejected
// anywhere in the document.
//
// The stored form is MLflow's Pydantic dump (by_alias, exclude_unset):
// declared keys that were sent first, in declaration order (name, version,
// title, description, icons, packages, remotes, repository, websiteUrl,
// _meta), then unknown keys in input order, explicit nulls kept; the same
// rule inside packages[], environmentVariables[], remotes[] and repository,
// whose booleans are Pydantic-coerced ("yes" → true); icons in MLflow's icon
// form with mimeType trimmed and lower-cased; every other object (transport,
// _meta, unknown keys) exactly as sent.
func ValidateServerJSON(ctx context.Context, raw json.RawMessage, policy *IconPolicy, opts ServerJSONOptions) (*ServerJSON, error) {
	sj, _, err := ValidateVersion(ctx, raw, nil, policy, opts)
	return sj, err
}

// ValidateVersion validates the server_json and tools fields of a
// create-version request together, as MLflow's single request model does:
// the first icon failure anywhere (server_json before tools) wins, else all
// issues of both fields are reported, else the stricter rules, else the
// schema check applies. tools is the raw "tools" field; nil or JSON null
// gives nil stored tools. The stored tools are CanonicalTools' form.
func ValidateVersion(ctx context.Context, serverJSON, tools json.RawMessage, policy *IconPolicy,
	opts ServerJSONOptions) (*ServerJSON, json.RawMessage, error) {
	loc := opts.Loc
	if loc == "" {
		loc = "server_json"
	}
	w := newWalker(policyOrDefault(policy))
	var out value
	if len(serverJSON) == 0 {
		w.issue(loc, msgRequired)
	} else {
		doc, err := parseDocument(serverJSON, loc)
		if err != nil {
			return nil, nil, err
		}
		out, _ = w.model(serverJSONModel, &doc, loc)
	}
	var storedTools json.RawMessage
	var toolList value
	if len(tools) > 0 {
		v, err := parseDocument(tools, "tools")
		if err != nil {
			return nil, nil, err
		}
		if v.kind != kindNull {
			toolList, _ = w.list(&v, "tools", MaxTools, w.tool)
		}
	}
	if err := w.finish(ctx); err != nil {
		return nil, nil, err
	}
	if toolList.kind == kindArray {
		storedTools = toolList.raw()
	}
	sj := &ServerJSON{Canonical: out.raw()}
	var err error
	if sj.Schema, err = schemaFor(&out, loc, opts.Strict); err != nil {
		return nil, nil, err
	}
	if sj.Schema != "" {
		set, err := officialSchemas()
		if err != nil {
			return nil, nil, err
		}
		if err := set.check(sj.Schema, &out, loc); err != nil {
			return nil, nil, err
		}
	}
	name, _ := out.get("name")
	version, _ := out.get("version")
	sj.Name, sj.Version = name.text, version.text
	if remotes, ok := out.get("remotes"); ok {
		for i := range remotes.items {
			var r Remote
			if t, ok := remotes.items[i].get("type"); ok {
				r.Type = t.text
			}
			if u, ok := remotes.items[i].get("url"); ok {
				r.URL = u.text
			}
			sj.Remotes = append(sj.Remotes, r)
		}
	}
	return sj, storedTools, nil
}

// schemaFor picks the schema a document is held to: the one it declares,
// the newest in strict mode, or none.
func schemaFor(doc *value, loc string, strict bool) (string, error) {
	declared, ok := doc.get("$schema")
	if !ok {
		if !strict {
			return "", nil
		}
		return LatestSchema()
	}
	set, err := officialSchemas()
	if err != nil {
		return "", err
	}
	if declared.kind == kindString && set.byURL[declared.text] != nil {
		return declared.text, nil
	}
	got := string(declared.raw())
	if declared.kind == kindString {
		got = pyRepr(declared.text)
	}
	quoted := make([]string, len(set.urls))
	for i, u := range set.urls {
		quoted[i] = pyRepr(u)
	}
	return "", mlflowerr.InvalidRequest(mlflowerr.Issue{
		Loc: joinLoc(loc, "$schema"),
		Msg: "Unsupported schema " + got + ". Supported schemas: " + strings.Join(quoted, ", "),
	})
}

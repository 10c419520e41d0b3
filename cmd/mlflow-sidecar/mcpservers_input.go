package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// maxDocumentBytes bounds a server.json or tools file, as MLflow's
// register_mcp_server_from_url bounds a downloaded server.json (10 MiB).
const maxDocumentBytes = 10 << 20

// readFileArg reads a file, or stdin for "-".
func readFileArg(cmd *cobra.Command, file string) ([]byte, error) {
	var r io.Reader
	if file == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, usageError{err}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if len(data) > maxDocumentBytes {
		return nil, usageErrorf("%s is larger than %d bytes", file, maxDocumentBytes)
	}
	return data, nil
}

// fetchURL downloads a document over http(s), or reads a file:// URL, as
// register_mcp_server_from_url does (30 s timeout, 10 MiB).
func fetchURL(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, usageErrorf("--server-json-url %q: %v", raw, err)
	}
	switch u.Scheme {
	case "file":
		data, err := os.ReadFile(u.Path)
		if err != nil {
			return nil, usageError{err}
		}
		if len(data) > maxDocumentBytes {
			return nil, usageErrorf("%s is larger than %d bytes", raw, maxDocumentBytes)
		}
		return data, nil
	case "http", "https":
	default:
		return nil, usageErrorf("--server-json-url %q: only http, https and file URLs", raw)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, usageError{err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading server.json: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading server.json from %s: %s", raw, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("downloading server.json: %w", err)
	}
	if len(data) > maxDocumentBytes {
		return nil, usageErrorf("%s is larger than %d bytes", raw, maxDocumentBytes)
	}
	return data, nil
}

// readJSONList reads a file holding a JSON list.
func readJSONList(cmd *cobra.Command, file string) (json.RawMessage, error) {
	data, err := readFileArg(cmd, file)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(data)
	if !json.Valid(data) || len(data) == 0 || data[0] != '[' {
		return nil, usageErrorf("%s: expected a JSON list", file)
	}
	return data, nil
}

// readToolsFile reads a tool list: a JSON list, or an MCP tools/list result
// ({"tools": [...]}), so that a server's own answer can be saved and used.
func readToolsFile(cmd *cobra.Command, file string) (json.RawMessage, error) {
	data, err := readFileArg(cmd, file)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var res struct {
			Tools json.RawMessage `json:"tools"`
		}
		if err := json.Unmarshal(data, &res); err == nil && len(res.Tools) > 0 {
			data = bytes.TrimSpace(res.Tools)
		}
	}
	if !json.Valid(data) || len(data) == 0 || data[0] != '[' {
		return nil, usageErrorf("%s: expected a JSON list of tools or a tools/list result", file)
	}
	return data, nil
}

// serverJSONName returns server.json's "name", which names the server the
// version is registered under.
func serverJSONName(doc json.RawMessage) (string, error) {
	var head struct {
		Name    *string `json:"name"`
		Version *string `json:"version"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return "", usageErrorf("server.json is not a JSON object: %v", err)
	}
	if head.Name == nil || *head.Name == "" {
		return "", usageErrorf("server.json has no \"name\"")
	}
	if head.Version == nil || *head.Version == "" {
		return "", usageErrorf("server.json has no \"version\"")
	}
	return *head.Name, nil
}

// parseHeaders reads repeatable 'Name: value' flags.
func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, l := range list {
		k, v, ok := strings.Cut(l, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, usageErrorf("--header %q: expected 'Name: value'", l)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

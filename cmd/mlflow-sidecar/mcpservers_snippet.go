package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// Clients connect can write configuration for.
var connectClients = []string{"claude-code", "vscode", "cursor", "mcp-json"}

// snippet is what connect prints: the configuration, and the placeholders
// the user still has to fill in.
type snippet struct {
	Text  string
	Notes []string
}

// renderSnippet writes plan in the configuration format of client:
//
//   - claude-code: a `claude mcp add` command (--transport http|sse for a
//     remote; `-- <command>` for a package);
//   - vscode: .vscode/mcp.json, {"servers": {...}} with "type" http, sse or
//     stdio, placeholders as ${input:...} prompts ("inputs");
//   - cursor: ~/.cursor/mcp.json, {"mcpServers": {...}} with "url" (Cursor
//     detects the transport) or command/args/env;
//   - mcp-json: the generic {"mcpServers": {...}} file, "type" named as
//     server.json names transports (streamable-http, sse, stdio).
func renderSnippet(client string, p *connectPlan) (snippet, error) {
	ph := func(in *placeholder) string { return "<" + in.Name + ">" }
	var s snippet
	var err error
	switch client {
	case "claude-code":
		s.Text = claudeCommand(p, ph)
	case "vscode":
		ph = func(in *placeholder) string { return "${input:" + in.Name + "}" }
		s.Text, err = vscodeJSON(p, ph)
	case "cursor":
		s.Text, err = mcpServersJSON(p, ph, false)
	case "mcp-json":
		s.Text, err = mcpServersJSON(p, ph, true)
	default:
		return snippet{}, usageErrorf("--client must be one of %s, got %q", strings.Join(connectClients, ", "), client)
	}
	for _, in := range p.inputs() {
		note := "Replace " + ph(in)
		if client == "vscode" {
			note = "VS Code asks for " + in.Name
		}
		if in.Description != "" {
			note += ": " + in.Description
		}
		if in.Secret {
			note += " (secret)"
		}
		if len(in.Choices) > 0 {
			note += " [one of " + strings.Join(in.Choices, ", ") + "]"
		}
		s.Notes = append(s.Notes, note)
	}
	return s, err
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes a word for POSIX shells.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func claudeCommand(p *connectPlan, ph func(*placeholder) string) string {
	words := []string{"claude", "mcp", "add"}
	if r := p.Remote; r != nil {
		transport := "http"
		if r.Transport == "sse" {
			transport = "sse"
		}
		words = append(words, "--transport", transport)
		for _, h := range r.Headers {
			words = append(words, "--header", shellQuote(h.Name+": "+h.Value.render(ph)))
		}
		words = append(words, shellQuote(p.Key), shellQuote(r.URL.render(ph)))
		return strings.Join(words, " ")
	}
	pk := p.Package
	for _, e := range pk.Env {
		words = append(words, "-e", shellQuote(e.Name+"="+e.Value.render(ph)))
	}
	words = append(words, shellQuote(p.Key), "--", shellQuote(pk.Command))
	for _, a := range pk.Args {
		words = append(words, shellQuote(a.render(ph)))
	}
	return strings.Join(words, " ")
}

// ordered is a JSON object that keeps its keys in insertion order, so that
// snippets read like hand-written configuration.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalRaw(e.k)
		v, err := marshalRaw(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func settingsObject(list []setting, ph func(*placeholder) string) ordered {
	o := ordered{}
	for _, s := range list {
		o = append(o, kv{s.Name, s.Value.render(ph)})
	}
	return o
}

// entry is one server's configuration; typeName maps a transport to the
// client's "type" value ("" leaves "type" out).
func entry(p *connectPlan, ph func(*placeholder) string, typeName func(string) string) ordered {
	o := ordered{}
	if r := p.Remote; r != nil {
		if t := typeName(r.Transport); t != "" {
			o = append(o, kv{"type", t})
		}
		o = append(o, kv{"url", r.URL.render(ph)})
		if len(r.Headers) > 0 {
			o = append(o, kv{"headers", settingsObject(r.Headers, ph)})
		}
		return o
	}
	pk := p.Package
	if t := typeName("stdio"); t != "" {
		o = append(o, kv{"type", t})
	}
	args := make([]string, len(pk.Args))
	for i, a := range pk.Args {
		args[i] = a.render(ph)
	}
	o = append(o, kv{"command", pk.Command}, kv{"args", args})
	if len(pk.Env) > 0 {
		o = append(o, kv{"env", settingsObject(pk.Env, ph)})
	}
	return o
}

// marshalRaw is json.Marshal without HTML escaping: placeholders such as
// <API_KEY> must read as written in a configuration file.
func marshalRaw(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func indentJSON(v any) (string, error) {
	raw, err := marshalRaw(v)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return "", err
	}
	return b.String(), nil
}

func vscodeJSON(p *connectPlan, ph func(*placeholder) string) (string, error) {
	typeName := func(t string) string {
		if t == "streamable-http" {
			return "http"
		}
		return t
	}
	doc := ordered{}
	if ins := p.inputs(); len(ins) > 0 {
		inputs := make([]ordered, 0, len(ins))
		for _, in := range ins {
			if len(in.Choices) > 0 {
				inputs = append(inputs, ordered{{"type", "pickString"}, {"id", in.Name}, {"description", orDefault(in.Description, in.Name)}, {"options", in.Choices}})
				continue
			}
			i := ordered{{"type", "promptString"}, {"id", in.Name}, {"description", orDefault(in.Description, in.Name)}}
			if in.Secret {
				i = append(i, kv{"password", true})
			}
			inputs = append(inputs, i)
		}
		doc = append(doc, kv{"inputs", inputs})
	}
	doc = append(doc, kv{"servers", ordered{{p.Key, entry(p, ph, typeName)}}})
	return indentJSON(doc)
}

func mcpServersJSON(p *connectPlan, ph func(*placeholder) string, typed bool) (string, error) {
	typeName := func(string) string { return "" }
	if typed {
		typeName = func(t string) string { return t }
	}
	return indentJSON(ordered{{"mcpServers", ordered{{p.Key, entry(p, ph, typeName)}}}})
}

package main

import (
	"errors"
	"regexp"
	"strings"
)

// A connectPlan is how a client reaches one server version: a remote URL
// (an approved access endpoint, or a server.json remote) or a package run
// locally over stdio. Values the user must supply are placeholders.
type connectPlan struct {
	Server     string       `json:"server"`
	Version    string       `json:"version"`
	Key        string       `json:"key"`
	EndpointID string       `json:"endpoint_id,omitempty"`
	Remote     *remotePlan  `json:"remote,omitempty"`
	Package    *packagePlan `json:"package,omitempty"`
}

type remotePlan struct {
	URL       tmpl      `json:"url"`
	Transport string    `json:"transport"`
	Headers   []setting `json:"headers,omitempty"`
}

type packagePlan struct {
	RegistryType string    `json:"registry_type"`
	Identifier   string    `json:"identifier"`
	Command      string    `json:"command"`
	Args         []tmpl    `json:"args"`
	Env          []setting `json:"env,omitempty"`
}

// setting is a header or an environment variable.
type setting struct {
	Name  string `json:"name"`
	Value tmpl   `json:"value"`
}

// tmpl is a value made of literal text and placeholders.
type tmpl []piece

type piece struct {
	Text  string       `json:"text,omitempty"`
	Input *placeholder `json:"input,omitempty"`
}

// placeholder is a value only the user knows.
type placeholder struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Secret      bool     `json:"secret,omitempty"`
	Choices     []string `json:"choices,omitempty"`
}

func literal(s string) tmpl { return tmpl{{Text: s}} }

// render writes the value, each placeholder as ph formats it.
func (t tmpl) render(ph func(*placeholder) string) string {
	var b strings.Builder
	for _, p := range t {
		if p.Input != nil {
			b.WriteString(ph(p.Input))
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// inputs lists the placeholders of the plan, each once, in order.
func (p *connectPlan) inputs() []*placeholder {
	var out []*placeholder
	seen := map[string]bool{}
	add := func(t tmpl) {
		for _, pc := range t {
			if pc.Input != nil && !seen[pc.Input.Name] {
				seen[pc.Input.Name] = true
				out = append(out, pc.Input)
			}
		}
	}
	if r := p.Remote; r != nil {
		add(r.URL)
		for _, h := range r.Headers {
			add(h.Value)
		}
	}
	if pk := p.Package; pk != nil {
		for _, a := range pk.Args {
			add(a)
		}
		for _, e := range pk.Env {
			add(e.Value)
		}
	}
	return out
}

// server.json's input objects (KeyValueInput, Argument, Input).
type jsonInput struct {
	Type        string               `json:"type"`
	Name        string               `json:"name"`
	ValueHint   string               `json:"valueHint"`
	Value       *string              `json:"value"`
	Default     *string              `json:"default"`
	Description string               `json:"description"`
	IsRequired  bool                 `json:"isRequired"`
	IsSecret    bool                 `json:"isSecret"`
	Choices     []string             `json:"choices"`
	Variables   map[string]jsonInput `json:"variables"`
}

type jsonServer struct {
	Remotes []struct {
		Type      string               `json:"type"`
		URL       string               `json:"url"`
		Headers   []jsonInput          `json:"headers"`
		Variables map[string]jsonInput `json:"variables"`
	} `json:"remotes"`
	Packages []struct {
		RegistryType         string                `json:"registryType"`
		Identifier           string                `json:"identifier"`
		Version              string                `json:"version"`
		RuntimeHint          string                `json:"runtimeHint"`
		Transport            struct{ Type string } `json:"transport"`
		RuntimeArguments     []jsonInput           `json:"runtimeArguments"`
		PackageArguments     []jsonInput           `json:"packageArguments"`
		EnvironmentVariables []jsonInput           `json:"environmentVariables"`
	} `json:"packages"`
}

var variableRef = regexp.MustCompile(`\{([^{}]+)\}`)

// substitute fills {variables} of a template value: a variable's value or
// default, else a placeholder; names not declared stay as written, as the
// server.json schema says.
func substitute(s string, vars map[string]jsonInput) tmpl {
	var out tmpl
	last := 0
	for _, m := range variableRef.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		v, ok := vars[name]
		if !ok {
			continue
		}
		if m[0] > last {
			out = append(out, piece{Text: s[last:m[0]]})
		}
		switch {
		case v.Value != nil:
			out = append(out, piece{Text: *v.Value})
		case v.Default != nil:
			out = append(out, piece{Text: *v.Default})
		default:
			out = append(out, piece{Input: &placeholder{Name: name, Description: v.Description, Secret: v.IsSecret, Choices: v.Choices}})
		}
		last = m[1]
	}
	if last < len(s) || len(out) == 0 {
		out = append(out, piece{Text: s[last:]})
	}
	return out
}

// resolve decides an input's value: its fixed value, else for a required
// input its default or a placeholder; optional inputs without a value are
// left out (ok false), as the server then uses its own default.
func resolve(in jsonInput, name string) (tmpl, bool) {
	switch {
	case in.Value != nil:
		return substitute(*in.Value, in.Variables), true
	case !in.IsRequired:
		return nil, false
	case in.Default != nil:
		return literal(*in.Default), true
	}
	return tmpl{{Input: &placeholder{Name: name, Description: in.Description, Secret: in.IsSecret, Choices: in.Choices}}}, true
}

func settings(list []jsonInput) []setting {
	var out []setting
	for _, in := range list {
		if v, ok := resolve(in, in.Name); ok && in.Name != "" {
			out = append(out, setting{Name: in.Name, Value: v})
		}
	}
	return out
}

func arguments(list []jsonInput) []tmpl {
	var out []tmpl
	for _, in := range list {
		switch in.Type {
		case "named":
			if v, ok := resolve(in, strings.TrimLeft(in.Name, "-")); ok {
				out = append(out, literal(in.Name), v)
			}
		default: // positional
			hint := in.ValueHint
			if hint == "" {
				hint = "value"
			}
			if v, ok := resolve(in, hint); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func hasPlaceholder(t tmpl) bool {
	for _, p := range t {
		if p.Input != nil {
			return true
		}
	}
	return false
}

// headersFor returns the headers server.json declares for a remote URL.
func (s *jsonServer) headersFor(url string) []setting {
	for _, r := range s.Remotes {
		if r.URL == url {
			return settings(r.Headers)
		}
	}
	return nil
}

// remote picks a server.json remote: concrete URLs before templated ones.
func (s *jsonServer) remote() *remotePlan {
	var templated *remotePlan
	for _, r := range s.Remotes {
		if (r.Type != "streamable-http" && r.Type != "sse") || r.URL == "" {
			continue
		}
		p := &remotePlan{URL: substitute(r.URL, r.Variables), Transport: r.Type, Headers: settings(r.Headers)}
		if !hasPlaceholder(p.URL) {
			return p
		}
		if templated == nil {
			templated = p
		}
	}
	return templated
}

var errNoRunnablePackage = errors.New("server.json has no npm, pypi, oci or nuget package run over stdio")

// pkg builds the run command of the first package a client can start.
func (s *jsonServer) pkg() (*packagePlan, error) {
	for _, p := range s.Packages {
		if p.Transport.Type != "" && p.Transport.Type != "stdio" {
			continue
		}
		plan := &packagePlan{RegistryType: p.RegistryType, Identifier: p.Identifier, Env: settings(p.EnvironmentVariables)}
		runtime := arguments(p.RuntimeArguments)
		pkgArgs := arguments(p.PackageArguments)
		at := func(sep string) string {
			if p.Version == "" {
				return p.Identifier
			}
			return p.Identifier + sep + p.Version
		}
		switch p.RegistryType {
		case "npm":
			plan.Command = orDefault(p.RuntimeHint, "npx")
			if plan.Command == "npx" {
				plan.Args = append(plan.Args, literal("-y"))
			}
			plan.Args = append(append(plan.Args, runtime...), literal(at("@")))
		case "pypi":
			plan.Command = orDefault(p.RuntimeHint, "uvx")
			plan.Args = append(runtime, literal(at("==")))
		case "oci":
			plan.Command = orDefault(p.RuntimeHint, "docker")
			plan.Args = []tmpl{literal("run"), literal("-i"), literal("--rm")}
			plan.Args = append(plan.Args, runtime...)
			// A container sees only the variables passed to it by name.
			for _, e := range plan.Env {
				plan.Args = append(plan.Args, literal("-e"), literal(e.Name))
			}
			image := p.Identifier
			if p.Version != "" && !strings.Contains(image[strings.LastIndex(image, "/")+1:], ":") {
				image += ":" + p.Version
			}
			plan.Args = append(plan.Args, literal(image))
		case "nuget":
			plan.Command = orDefault(p.RuntimeHint, "dnx")
			plan.Args = append([]tmpl{literal(at("@")), literal("--yes")}, runtime...)
			if len(pkgArgs) > 0 {
				plan.Args = append(plan.Args, literal("--"))
			}
		default:
			continue
		}
		plan.Args = append(plan.Args, pkgArgs...)
		return plan, nil
	}
	return nil, errNoRunnablePackage
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var keyUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// configKey names the server in a client's configuration: the slug of its
// registry name ("io.github.acme/search" → "search").
func configKey(name string) string {
	_, slug, ok := strings.Cut(name, "/")
	if !ok {
		slug = name
	}
	return strings.Trim(keyUnsafe.ReplaceAllString(slug, "-"), "-")
}

package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry/wire"
)

// table is an aligned listing. Widths are measured on the plain text, so
// colour (added per cell after alignment) never shifts a column, which
// text/tabwriter cannot promise with ANSI codes inside cells.
type table struct {
	term   terminal
	header []string
	rows   [][]string
	paint  map[int]func(string) string // column → colouring
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string, style func(col int, s string) string) {
		var b strings.Builder
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(style(i, c))
				break
			}
			b.WriteString(style(i, c))
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.header, func(_ int, s string) string { return t.term.bold(s) })
	for _, r := range t.rows {
		line(r, func(col int, s string) string {
			if p := t.paint[col]; p != nil {
				return p(s)
			}
			return s
		})
	}
}

// fields prints "Label: value" lines with the labels aligned.
type fields struct {
	term  terminal
	lines [][2]string
}

func (f *fields) add(label, value string) { f.lines = append(f.lines, [2]string{label, value}) }

func (f *fields) write(w io.Writer) {
	width := 0
	for _, l := range f.lines {
		width = max(width, utf8.RuneCountInString(l[0]))
	}
	for _, l := range f.lines {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(l[0])+2)
		fmt.Fprintf(w, "%s%s%s\n", f.term.bold(l[0]+":"), pad, l[1])
	}
}

func when(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05Z")
}

func byWhom(ms int64, who *string) string {
	if who == nil {
		return when(ms)
	}
	return when(ms) + " by " + *who
}

func tagList(tags map[string]*string) string {
	if len(tags) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + orDash(tags[k])
	}
	return strings.Join(parts, ", ")
}

func listOrDash(items []string) string {
	if len(items) == 0 {
		return "-"
	}
	return strings.Join(items, ", ")
}

// target describes what an endpoint points at.
func target(version, alias *string, resolved *wire.Version) string {
	switch {
	case alias != nil && resolved != nil:
		return "alias " + *alias + " → " + resolved.Version
	case alias != nil:
		return "alias " + *alias
	case version != nil:
		return "version " + *version
	}
	return "-"
}

func (c *mcpCLI) serverFields(w io.Writer, s *wire.Server) {
	f := &fields{term: c.term}
	f.add("Name", s.Name)
	f.add("Display name", orDash(s.DisplayName))
	f.add("Description", orDash(s.Description))
	st := "-"
	if s.Status != nil {
		st = c.term.status(*s.Status)
	}
	f.add("Status", st)
	f.add("Latest version", orDash(s.LatestVersion))
	aliases := make([]string, len(s.Aliases))
	for i, a := range s.Aliases {
		aliases[i] = a.Alias + " → " + a.Version
	}
	f.add("Aliases", listOrDash(aliases))
	f.add("Tags", tagList(s.Tags))
	f.add("Workspace", s.Workspace)
	f.add("Created", byWhom(s.CreationTimestamp, s.CreatedBy))
	f.add("Updated", byWhom(s.LastUpdatedTimestamp, s.LastUpdatedBy))
	f.add("Endpoints", strconv.Itoa(len(s.AccessEndpoints)))
	f.write(w)
	if len(s.AccessEndpoints) > 0 {
		fmt.Fprintln(w)
		t := &table{term: c.term, header: []string{"ENDPOINT", "TRANSPORT", "TARGET", "URL"}}
		for _, e := range s.AccessEndpoints {
			t.add(e.ID, e.TransportType, target(e.ServerVersion, e.ServerAlias, e.ResolvedVersion), e.URL)
		}
		t.write(w)
	}
}

func (c *mcpCLI) serverTable(w io.Writer, servers []wire.Server) {
	t := &table{term: c.term, header: []string{"NAME", "STATUS", "LATEST", "ENDPOINTS", "DISPLAY NAME", "UPDATED"},
		paint: map[int]func(string) string{1: c.term.status}}
	for _, s := range servers {
		t.add(s.Name, orDash(s.Status), orDash(s.LatestVersion), strconv.Itoa(len(s.AccessEndpoints)),
			orDash(s.DisplayName), when(s.LastUpdatedTimestamp))
	}
	t.write(w)
}

func (c *mcpCLI) versionFields(w io.Writer, v *wire.Version) {
	f := &fields{term: c.term}
	f.add("Name", v.Name)
	f.add("Version", v.Version)
	f.add("Status", c.term.status(v.Status))
	f.add("Display name", orDash(v.DisplayName))
	f.add("Aliases", listOrDash(v.Aliases))
	f.add("Tags", tagList(v.Tags))
	f.add("Source", orDash(v.Source))
	f.add("Workspace", v.Workspace)
	f.add("Created", byWhom(v.CreationTimestamp, v.CreatedBy))
	f.add("Updated", byWhom(v.LastUpdatedTimestamp, v.LastUpdatedBy))
	tools := toolSummaries(v.Tools)
	f.add("Tools", strconv.Itoa(len(tools)))
	f.write(w)
	if len(tools) > 0 {
		fmt.Fprintln(w)
		t := &table{term: c.term, header: []string{"TOOL", "DESCRIPTION"}}
		for _, tl := range tools {
			t.add(tl.name, tl.description)
		}
		t.write(w)
	}
}

func (c *mcpCLI) versionTable(w io.Writer, versions []wire.Version) {
	t := &table{term: c.term, header: []string{"NAME", "VERSION", "STATUS", "ALIASES", "TOOLS", "DISPLAY NAME", "UPDATED"},
		paint: map[int]func(string) string{2: c.term.status}}
	for _, v := range versions {
		t.add(v.Name, v.Version, v.Status, listOrDash(v.Aliases), strconv.Itoa(len(toolSummaries(v.Tools))),
			orDash(v.DisplayName), when(v.LastUpdatedTimestamp))
	}
	t.write(w)
}

func (c *mcpCLI) endpointFields(w io.Writer, e *wire.Endpoint) {
	f := &fields{term: c.term}
	f.add("ID", e.ID)
	f.add("Server", e.ServerName)
	f.add("URL", e.URL)
	f.add("Transport", e.TransportType)
	f.add("Target", target(e.ServerVersion, e.ServerAlias, e.ResolvedVersion))
	if e.ResolvedVersion != nil {
		f.add("Version status", c.term.status(e.ResolvedVersion.Status))
	}
	f.add("Tools", strconv.Itoa(len(toolSummaries(e.Tools))))
	f.add("Workspace", e.Workspace)
	f.add("Created", byWhom(e.CreationTimestamp, e.CreatedBy))
	f.add("Updated", byWhom(e.LastUpdatedTimestamp, e.LastUpdatedBy))
	f.write(w)
}

func (c *mcpCLI) endpointTable(w io.Writer, endpoints []wire.Endpoint) {
	t := &table{term: c.term, header: []string{"ID", "SERVER", "TRANSPORT", "TARGET", "URL"}}
	for _, e := range endpoints {
		t.add(e.ID, e.ServerName, e.TransportType, target(e.ServerVersion, e.ServerAlias, e.ResolvedVersion), e.URL)
	}
	t.write(w)
}

func (c *mcpCLI) traceTable(w io.Writer, traces []wire.TraceLink) {
	t := &table{term: c.term, header: []string{"TRACE ID", "SERVER", "VERSION", "STATUS", "EXPERIMENT", "TIME"}}
	for _, tr := range traces {
		t.add(tr.TraceID, tr.MCPServerVersion.Name, tr.MCPServerVersion.Version, tr.Status, tr.ExperimentID, when(tr.TimestampMs))
	}
	t.write(w)
}

package mcpspec

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// The official server.json schemas, one file per dated release, plus
// server.schema.json, the copy the static site serves as the newest (its
// $id names which dated schema strict mode applies). See schemas/NOTICE.
//
//go:embed schemas/server.schema*.json
var schemaFiles embed.FS

// maxSchemaIssues is how many schema problems an error lists; a document
// far from the schema would otherwise produce an unreadable message.
const maxSchemaIssues = 5

type schemaSet struct {
	byURL  map[string]*jsonschema.Schema
	urls   []string // sorted
	latest string
}

var (
	schemasOnce sync.Once
	schemas     *schemaSet
	schemasErr  error
)

// officialSchemas compiles the embedded schemas on first use. They are
// draft-07 documents (they say so in $schema); the compiler is pinned to
// draft-07 as well so that nothing depends on the library's default.
func officialSchemas() (*schemaSet, error) {
	schemasOnce.Do(func() { schemas, schemasErr = compileSchemas(schemaFiles) })
	return schemas, schemasErr
}

func compileSchemas(files fs.FS) (*schemaSet, error) {
	names, err := fs.Glob(files, "schemas/server.schema.*.json")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no embedded server.json schemas: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	set := &schemaSet{byURL: map[string]*jsonschema.Schema{}}
	for _, name := range names {
		id, doc, err := readSchema(files, name)
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		set.urls = append(set.urls, id)
	}
	slices.Sort(set.urls)
	for _, id := range set.urls {
		if set.byURL[id], err = c.Compile(id); err != nil {
			return nil, fmt.Errorf("compiling %s: %w", id, err)
		}
	}
	if set.latest, _, err = readSchema(files, "schemas/server.schema.json"); err != nil {
		return nil, err
	}
	if set.byURL[set.latest] == nil {
		return nil, fmt.Errorf("server.schema.json has $id %s, which is not one of the dated schemas", set.latest)
	}
	return set, nil
}

func readSchema(files fs.FS, name string) (string, any, error) {
	data, err := fs.ReadFile(files, name)
	if err != nil {
		return "", nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, err)
	}
	obj, _ := doc.(map[string]any)
	id, _ := obj["$id"].(string)
	if id == "" {
		return "", nil, fmt.Errorf("%s has no $id", name)
	}
	return id, doc, nil
}

// SupportedSchemas lists the $schema URLs ValidateServerJSON knows, oldest
// first.
func SupportedSchemas() ([]string, error) {
	set, err := officialSchemas()
	if err != nil {
		return nil, err
	}
	return slices.Clone(set.urls), nil
}

// LatestSchema is the $schema URL strict mode applies to documents that
// declare none.
func LatestSchema() (string, error) {
	set, err := officialSchemas()
	if err != nil {
		return "", err
	}
	return set.latest, nil
}

// checkSchema validates doc (the stored form) against the schema at url.
func (set *schemaSet) check(url string, doc *value, loc string) error {
	err := set.byURL[url].Validate(doc.toAny())
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	type problem struct {
		ptr, msg string
		order    int
	}
	order := documentOrder(doc)
	var problems []problem
	seen := map[[2]string]bool{}
	var collect func(u *jsonschema.OutputUnit)
	collect = func(u *jsonschema.OutputUnit) {
		if len(u.Errors) == 0 && u.Error != nil {
			k := [2]string{u.InstanceLocation, u.Error.String()}
			if !seen[k] {
				seen[k] = true
				problems = append(problems, problem{ptr: k[0], msg: k[1], order: order[k[0]]})
			}
		}
		for i := range u.Errors {
			collect(&u.Errors[i])
		}
	}
	collect(verr.DetailedOutput())
	// The validator walks Go maps, so its order varies from run to run;
	// report in document order instead.
	slices.SortStableFunc(problems, func(a, b problem) int {
		if a.order != b.order {
			return a.order - b.order
		}
		return strings.Compare(a.msg, b.msg)
	})
	title := fmt.Sprintf("%s does not match schema %s", loc, url)
	if len(problems) > maxSchemaIssues {
		title += fmt.Sprintf(" (%d of %d problems shown)", maxSchemaIssues, len(problems))
		problems = problems[:maxSchemaIssues]
	}
	issues := make([]mlflowerr.Issue, len(problems))
	for i, p := range problems {
		issues[i] = mlflowerr.Issue{Loc: loc + p.ptr, Msg: p.msg}
	}
	return &mlflowerr.RequestError{Title: title, Issues: issues}
}

// documentOrder numbers every JSON pointer of doc in document order.
func documentOrder(doc *value) map[string]int {
	order := map[string]int{}
	var walk func(v *value, ptr string)
	walk = func(v *value, ptr string) {
		order[ptr] = len(order)
		switch v.kind {
		case kindArray:
			for i := range v.items {
				walk(&v.items[i], fmt.Sprintf("%s/%d", ptr, i))
			}
		case kindObject:
			for i := range v.members {
				walk(&v.members[i].val, ptr+"/"+pointerEscape(v.members[i].key))
			}
		}
	}
	walk(doc, "")
	return order
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

package otlplink

import (
	"context"
	"errors"

	"github.com/mlflow-sidecar/mlflow-sidecar/mcpregistry"
	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
	"github.com/mlflow-sidecar/mlflow-sidecar/scope"
	"github.com/mlflow-sidecar/mlflow-sidecar/tracking"
)

// resolution is what a trace's references name now.
type resolution struct {
	versions   []tracking.VersionRef
	unresolved int
}

// resolve turns references into versions, through the registry, at this
// moment: an alias names the version it points to now, an endpoint the
// version its target resolves to now. A reference that names no live
// version, or several (two endpoints at one URL on different versions), is
// unresolved. err is a failure worth a retry (the database, not the data).
func (l *Linker) resolve(ctx context.Context, ws string, refs []ref) (res resolution, err error) {
	a := scope.Scope{Workspace: ws}
	seen := map[tracking.VersionRef]bool{}
	var idx *wsIndex
	for _, r := range refs {
		var found []tracking.VersionRef
		switch r.kind {
		case refVersion, refAlias:
			v, err := l.resolveTarget(ctx, a, target{name: r.name, version: versionOf(r), alias: aliasOf(r)})
			if err != nil {
				return res, err
			}
			found = v
		case refURL, refHost:
			if idx == nil {
				if idx, err = l.idx.get(ctx, ws); err != nil {
					return res, err
				}
			}
			for _, t := range idx.targets(r) {
				v, err := l.resolveTarget(ctx, a, t)
				if err != nil {
					return res, err
				}
				found = appendNew(found, v...)
			}
		}
		if len(found) != 1 {
			res.unresolved++
			continue
		}
		if !seen[found[0]] {
			seen[found[0]] = true
			res.versions = append(res.versions, found[0])
		}
	}
	return res, nil
}

func versionOf(r ref) string {
	if r.kind == refVersion {
		return r.value
	}
	return ""
}

func aliasOf(r ref) string {
	if r.kind == refAlias {
		return r.value
	}
	return ""
}

// resolveTarget returns the live version a target names (none when it names
// nothing the registry would serve).
func (l *Linker) resolveTarget(ctx context.Context, a scope.Scope, t target) ([]tracking.VersionRef, error) {
	var v *mcpregistry.VersionView
	var err error
	if t.version != "" {
		v, err = l.reg.GetVersion(ctx, a, t.name, t.version)
	} else {
		v, err = l.reg.GetVersionByAlias(ctx, a, t.name, t.alias)
	}
	if errors.Is(err, mlflowerr.ErrNotFound) || errors.Is(err, mlflowerr.ErrInvalid) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []tracking.VersionRef{{Name: v.Name, Version: v.Version.Version}}, nil
}

func appendNew(list []tracking.VersionRef, vs ...tracking.VersionRef) []tracking.VersionRef {
	for _, v := range vs {
		dup := false
		for _, x := range list {
			dup = dup || x == v
		}
		if !dup {
			list = append(list, v)
		}
	}
	return list
}

package mcpspec

import (
	"context"
	"net/netip"
	"strconv"

	"github.com/mlflow-sidecar/mlflow-sidecar/mlflowerr"
)

// walker validates a request value the way MLflow's Pydantic models do and
// builds the value MLflow would store.
//
// MLflow fails in two ways, and the walker keeps both:
//   - Pydantic issues ("Field required", "Input should be a valid string")
//     are collected for the whole value, in field-declaration order, and
//     reported together as "Invalid request: loc: msg; ...";
//   - the icon src and mimeType validators raise MlflowException, which
//     escapes Pydantic at once: the first such failure, in traversal order,
//     is the whole answer and the issues collected so far are dropped.
//
// Icon URL checks need DNS. Rather than resolve one host at a time as
// MLflow does, the walker records the checks as steps, resolves the hosts
// they need concurrently, then replays the steps in order; the first
// failing step is the one MLflow would have hit.
type walker struct {
	policy *IconPolicy
	issues []mlflowerr.Issue
	steps  []step
	// spec holds failures of our stricter MCP-spec rules; they are reported
	// only when MLflow's own checks pass, so that whatever MLflow rejects
	// gets MLflow's answer.
	spec []error
}

// step is one validator call that can raise: a failure already known
// (fail), or an icon src check that still needs its host's addresses.
type step struct {
	fail error
	src  *srcCheck
}

func newWalker(policy *IconPolicy) *walker { return &walker{policy: policy} }

func (w *walker) issue(loc, msg string) {
	w.issues = append(w.issues, mlflowerr.Issue{Loc: loc, Msg: msg})
}

func (w *walker) raise(err error) { w.steps = append(w.steps, step{fail: err}) }

func (w *walker) checkSrc(src string) {
	c, err := w.policy.precheck(src)
	if err != nil {
		w.raise(err)
		return
	}
	w.steps = append(w.steps, step{src: &c})
}

type lookupResult struct {
	addrs []netip.Addr
	msg   string // MLflow's message when the lookup failed
}

// finish resolves what the recorded steps need and reports the outcome: the
// first failing step, else the collected issues, else nil.
func (w *walker) finish(ctx context.Context) error {
	var hosts []string
	seen := map[string]bool{}
	for _, s := range w.steps {
		if s.fail != nil {
			break // nothing after the first known failure is reached
		}
		if s.src.resolve && !seen[s.src.lookup] {
			seen[s.src.lookup] = true
			hosts = append(hosts, s.src.lookup)
		}
	}
	results, err := w.policy.resolveAll(ctx, hosts)
	if err != nil {
		return err
	}
	for _, s := range w.steps {
		if s.fail != nil {
			return s.fail
		}
		if err := w.policy.postcheck(*s.src, results[s.src.lookup]); err != nil {
			return err
		}
	}
	if len(w.issues) > 0 {
		return mlflowerr.InvalidRequest(w.issues...)
	}
	if len(w.spec) > 0 {
		return w.spec[0]
	}
	return nil
}

// resolveAll looks hosts up with at most MaxConcurrentLookups workers (the
// policy's slots also bound lookups across concurrent requests).
func (p *IconPolicy) resolveAll(ctx context.Context, hosts []string) (map[string]lookupResult, error) {
	results := make(map[string]lookupResult, len(hosts))
	if len(hosts) == 0 {
		return results, nil
	}
	type answer struct {
		host string
		res  lookupResult
		err  error
	}
	jobs := make(chan string)
	answers := make(chan answer)
	workers := min(len(hosts), cap(p.lookupSlots()))
	for range workers {
		go func() {
			for h := range jobs {
				addrs, msg, err := p.lookup(ctx, h)
				res := lookupResult{msg: msg}
				for _, a := range addrs {
					if ip, ok := netip.AddrFromSlice(a.IP); ok {
						res.addrs = append(res.addrs, ip.Unmap().WithZone(a.Zone))
					}
				}
				answers <- answer{host: h, res: res, err: err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, h := range hosts {
			jobs <- h
		}
	}()
	var firstErr error
	for range hosts {
		a := <-answers
		if a.err != nil && firstErr == nil {
			firstErr = a.err
		}
		results[a.host] = a.res
	}
	return results, firstErr
}

func joinLoc(loc, key string) string {
	if loc == "" {
		return key
	}
	return loc + "." + key
}

func indexLoc(loc string, i int) string { return joinLoc(loc, strconv.Itoa(i)) }

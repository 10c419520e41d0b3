package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The MLflow endpoints the verifier asks, cheapest and most telling first.
const (
	// currentUserPath names whoever the credentials belong to, whatever
	// their kind (Basic, a bearer token, a session cookie). Newer MLflow
	// basic-auth apps serve it to any authenticated user; older ones 404.
	currentUserPath = "/api/2.0/mlflow/users/current"
	// getUserPath?username=U is allowed when U is the caller
	// (validate_can_read_user), so it confirms a Basic user name.
	getUserPath = "/api/2.0/mlflow/users/get"
	// searchPath is protected whenever authentication is on; it confirms
	// credentials without naming anyone. The auto probe uses it too.
	searchPath  = "/api/2.0/mlflow/experiments/search"
	searchQuery = "max_results=1"
)

// maxAnswerBytes bounds what is read of an MLflow answer: users/get lists
// the user's permissions, which the verifier does not need.
const maxAnswerBytes = 1 << 20

type verdictKind int

const (
	accepted  verdictKind = iota // MLflow took the credentials
	rejected                     // 401 (or a redirect to a login page)
	forbidden                    // 403: MLflow knows the caller and refuses
)

type verdict struct {
	kind      verdictKind
	id        identity
	challenge string // MLflow's WWW-Authenticate, for rejected
}

// credentials are the caller's headers that MLflow may authenticate.
type credentials struct {
	authorization, cookies []string
	basicUser              string // "" unless Authorization is Basic
}

func credentialsOf(r *http.Request) credentials {
	c := credentials{authorization: r.Header.Values("Authorization"), cookies: r.Header.Values("Cookie")}
	if len(c.authorization) == 1 {
		if u, _, ok := r.BasicAuth(); ok {
			c.basicUser = u
		}
	}
	return c
}

func (c credentials) empty() bool { return len(c.authorization) == 0 && len(c.cookies) == 0 }

// verifier asks MLflow about credentials. Nothing it logs or records in a
// span carries a header value or a query string.
type verifier struct {
	base   *url.URL
	client *http.Client
	tracer trace.Tracer
	met    *metrics
	log    *slog.Logger
	// noCurrentUser is set once MLflow answered 404 for users/current.
	noCurrentUser atomic.Bool
}

var errUnexpected = errors.New("unexpected answer")

// verify returns MLflow's verdict, or an error when MLflow gave none that
// can be trusted (unreachable, 5xx, an answer that makes no sense): the
// caller then fails closed.
func (v *verifier) verify(ctx context.Context, c credentials) (verdict, error) {
	ctx, span := v.tracer.Start(ctx, "guard.verify_credentials")
	defer span.End()
	start := time.Now()
	vd, err := v.ask(ctx, c)
	result := "error"
	if err == nil {
		result = [...]string{accepted: "accepted", rejected: "rejected", forbidden: "forbidden"}[vd.kind]
	}
	v.met.verified(ctx, result, time.Since(start))
	span.SetAttributes(attribute.String("mlflow_sidecar.auth.result", result))
	if err != nil {
		span.SetStatus(codes.Error, "credentials could not be verified")
	}
	return vd, err
}

func (v *verifier) ask(ctx context.Context, c credentials) (verdict, error) {
	vd, err := v.askEndpoints(ctx, c)
	if err == nil && vd.kind == accepted && !vd.id.known && c.basicUser != "" {
		// MLflow took the Basic credentials without naming the user: the
		// name in them is the one it checked the password of.
		vd.id = identity{user: c.basicUser, known: true}
	}
	return vd, err
}

func (v *verifier) askEndpoints(ctx context.Context, c credentials) (verdict, error) {
	if !v.noCurrentUser.Load() {
		vd, status, err := v.call(ctx, currentUserPath, "", c)
		if err != nil || status != http.StatusNotFound {
			return vd, err
		}
		v.noCurrentUser.Store(true)
		v.log.InfoContext(ctx, "MLflow has no users/current endpoint; Basic credentials are checked with users/get, others without learning the user name")
	}
	path, query := searchPath, searchQuery
	if c.basicUser != "" {
		path, query = getUserPath, "username="+url.QueryEscape(c.basicUser)
	}
	vd, status, err := v.call(ctx, path, query, c)
	if err == nil && status == http.StatusNotFound {
		// Both routes are protected when MLflow authenticates at all, so a
		// 404 means MLflow is not the basic-auth app it was said to be.
		err = fmt.Errorf("%w: MLflow answered 404 to %s", errUnexpected, path)
	}
	return vd, err
}

// call sends one GET with the caller's credentials. A 404 comes back as a
// status with no verdict, for ask to decide.
func (v *verifier) call(ctx context.Context, path, query string, c credentials) (verdict, int, error) {
	u := *v.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = query
	h := http.Header{"Accept": {"application/json"}}
	for _, a := range c.authorization {
		h.Add("Authorization", a)
	}
	for _, ck := range c.cookies {
		h.Add("Cookie", ck)
	}
	resp, err := tracedGet(ctx, v.tracer, v.client, &u, h)
	if err != nil {
		return verdict{}, 0, err
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxAnswerBytes)
	defer io.Copy(io.Discard, body) //nolint:errcheck // draining for connection reuse
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
		return verdict{kind: accepted, id: userFrom(body)}, s, nil
	case s == http.StatusUnauthorized:
		return verdict{kind: rejected, challenge: cleanChallenge(resp.Header.Get("WWW-Authenticate"))}, s, nil
	case s >= 300 && s < 400:
		// An auth plugin that sends browsers to its login page.
		return verdict{kind: rejected}, s, nil
	case s == http.StatusForbidden:
		return verdict{kind: forbidden}, s, nil
	case s == http.StatusNotFound:
		return verdict{}, s, nil
	default:
		return verdict{}, s, fmt.Errorf("%w: MLflow answered %d to %s", errUnexpected, s, path)
	}
}

// userFrom reads the user name from users/current or users/get
// ({"user": {"username": ...}}), or from a top-level "username" as some
// auth plugins send it.
func userFrom(body io.Reader) identity {
	var a struct {
		User *struct {
			Username string `json:"username"`
		} `json:"user"`
		Username string `json:"username"`
	}
	if json.NewDecoder(body).Decode(&a) != nil {
		return identity{}
	}
	switch {
	case a.User != nil && a.User.Username != "":
		return identity{user: a.User.Username, known: true}
	case a.Username != "":
		return identity{user: a.Username, known: true}
	}
	return identity{}
}

// redactURL drops the request URL from a client error: the users/get query
// names the user, and the error ends up in logs.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s to MLflow: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// tracedGet sends a GET to MLflow inside a client span of its own making.
// otelhttp's transport would record url.full, and the users/get query names
// the user: this span records the path only. Errors come back without the
// URL for the same reason.
func tracedGet(ctx context.Context, tracer trace.Tracer, client *http.Client, u *url.URL, h http.Header) (*http.Response, error) {
	ctx, span := tracer.Start(ctx, "GET", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", http.MethodGet),
		attribute.String("server.address", u.Host),
		attribute.String("url.path", u.Path),
	))
	defer span.End()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, redactURL(err)
	}
	req.Header = h
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := client.Do(req)
	if err != nil {
		err = redactURL(err)
		span.SetStatus(codes.Error, err.Error())
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, resp.Status)
	}
	return resp, nil
}

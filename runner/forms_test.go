package runner_test

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// encodingRecorder serves an emulator and records the Content-Encoding of
// every answer it sends.
type encodingRecorder struct {
	h  http.Handler
	mu sync.Mutex
	ce []string
}

func (r *encodingRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.h.ServeHTTP(w, req)
	r.mu.Lock()
	r.ce = append(r.ce, w.Header().Get("Content-Encoding"))
	r.mu.Unlock()
}

func (r *encodingRecorder) encodings() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ce)
}

// formViews is what the suite reads of a target: every view Discover
// finds (by ID), the views of a DescribeInstances by InstanceIds (by ID),
// an error's code, and whether a stop succeeded.
type formViews struct {
	discovered []model.View
	named      model.DescribeResult
	errCode    string
	stopped    bool
}

func readForms(t *testing.T, v emulator.Choices) (formViews, []string) {
	t.Helper()
	e, err := emulator.New(emulator.Config{Fleet: emulator.DefaultFleet(), Latency: 20 * time.Millisecond, Variants: v})
	require.NoError(t, err)
	rec := &encodingRecorder{h: e}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	acc := e.Accounts()
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: srv.URL, Region: region,
		Cred: e.Credentials(acc[0]), Cred2: e.Credentials(acc[1]), Allowed: allowAll})
	require.NoError(t, err)
	ctx := context.Background()
	var out formViews
	out.discovered, err = tg.Discover(ctx, "forms")
	require.NoError(t, err)
	slices.SortFunc(out.discovered, func(a, b model.View) int { return cmp.Compare(a.ID, b.ID) })
	named := append(firstIn(out.discovered, model.Running, 2), firstIn(out.discovered, model.Stopped, 2)...)
	_, out.named, err = tg.Describe(ctx, "forms", tcapi.Param{Name: "InstanceIds", Value: model.Strs(named...)})
	require.NoError(t, err)
	slices.SortFunc(out.named.Instances, func(a, b model.View) int { return cmp.Compare(a.ID, b.ID) })
	x := do(t, tg, runner.Send{Call: stop("ins-1122")})
	require.NoError(t, x.ParseErr, "%s", x.RawResponse)
	require.NotEmpty(t, x.Response.RequestID)
	out.errCode = x.Outcome.Code
	x = do(t, tg, runner.Send{Call: stop(named[0])})
	require.NoError(t, x.ParseErr, "%s", x.RawResponse)
	require.NotEmpty(t, x.Response.RequestID)
	out.stopped = x.Outcome.Code == "" && !x.Outcome.Unknown
	return out, rec.encodings()
}

// TestEveryAnswerFormReadsAlike: the suite's readers (its client,
// tcapi.ParseResponse, ParseDescribe, Discover's paging) read an answer
// in every form the response-form variants allow to the same views as
// the default form.
func TestEveryAnswerFormReadsAlike(t *testing.T) {
	t.Parallel()
	want, _ := readForms(t, nil)
	require.Len(t, want.discovered, 131)
	require.Len(t, want.named.Instances, 4)
	require.Equal(t, model.CodeMalformed, want.errCode)
	require.True(t, want.stopped)
	cases := []struct {
		variants emulator.Choices
		reason   string
		gzipped  bool // the answers came compressed
	}{
		{emulator.Choices{emulator.VariantGzip: "yes"}, "Go's client asks for gzip and undoes it", true},
		{emulator.Choices{emulator.VariantKeyOrder: "sorted"}, "objects are read by key, not position", false},
		{emulator.Choices{emulator.VariantKeyOrder: "reversed"}, "objects are read by key, not position", false},
		{emulator.Choices{emulator.VariantRequestID: "first"}, "RequestId is read wherever it stands", false},
		{emulator.Choices{emulator.VariantMessages: "reworded"}, "the code is read, never the message", false},
		{emulator.Choices{emulator.VariantExtraFields: "yes"}, "unknown fields are ignored", false},
		{emulator.Choices{emulator.VariantOptional: "absent"}, "a field left out reads as null", false},
		{emulator.Choices{emulator.VariantDescribeOrd: "newest"}, "Discover pages over any consistent order", false},
		{emulator.Choices{emulator.VariantErrorStatus: "400"}, "the body is read whatever the status", false},
		{emulator.Choices{emulator.VariantGzip: "yes", emulator.VariantKeyOrder: "reversed", emulator.VariantRequestID: "first",
			emulator.VariantMessages: "reworded", emulator.VariantExtraFields: "yes", emulator.VariantOptional: "absent",
			emulator.VariantDescribeOrd: "newest", emulator.VariantErrorStatus: "400"}, "all of them at once", true},
	}
	for _, c := range cases {
		t.Run(c.variants.String(), func(t *testing.T) {
			t.Parallel()
			got, encodings := readForms(t, c.variants)
			require.Equal(t, want, got, c.reason)
			require.NotEmpty(t, encodings)
			for _, ce := range encodings {
				if c.gzipped {
					require.Equal(t, "gzip", ce, "%s: every answer went compressed", c.reason)
				} else {
					require.Empty(t, ce, c.reason)
				}
			}
		})
	}
}

package tcapi_test

import (
	"net/http"
	"testing"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

func BenchmarkDecodeTC3JSON(b *testing.B) {
	r, body := build(b, "http://127.0.0.1:8080", stopCall(tcapi.StyleTC3JSON), permCred)
	limits := tcapi.DefaultLimits()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if got := tcapi.Decode(r, body, testKeys, limits); got.Auth != model.AuthOK {
			b.Fatalf("Auth = %s; want AuthOK", authNames[got.Auth])
		}
	}
}

func BenchmarkDecodeV1Get(b *testing.B) {
	r, body := build(b, "http://127.0.0.1:8080", stopCall(tcapi.StyleV1Get), permCred)
	limits := tcapi.DefaultLimits()
	b.ReportAllocs()
	for b.Loop() {
		if got := tcapi.Decode(r, body, testKeys, limits); got.Auth != model.AuthOK {
			b.Fatalf("Auth = %s; want AuthOK", authNames[got.Auth])
		}
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures WriteSuccess alone.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkWriteSuccess(b *testing.B) {
	fields := describeFields{TotalCount: 2, InstanceSet: []instance{{"ins-r8hr2upy", "RUNNING"}, {"ins-5d8a23rs", "STOPPED"}}}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		tcapi.WriteSuccess(w, "d39d6c09-44e9-4e80-8661-77b5ff3cbc15", fields)
	}
}

func BenchmarkWriteSuccessNil(b *testing.B) {
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		tcapi.WriteSuccess(w, "d39d6c09-44e9-4e80-8661-77b5ff3cbc15", nil)
	}
}

func BenchmarkWriteError(b *testing.B) {
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		tcapi.WriteError(w, "d39d6c09-44e9-4e80-8661-77b5ff3cbc15", "InvalidInstanceId.NotFound", "The instance is not found.")
	}
}

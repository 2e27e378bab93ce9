package passive_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/emulator"
	"github.com/cvmconform/cvmconform/runner/passive"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// Transcripts of the runner's own exchanges, as `cvmconform run
// --transcript` writes them: a stop/start cycle in every signature style,
// and a request whose signature the sender broke on purpose.

// targetCycle drives one instance through runner.Target in every
// signature style, then sends a stop with a broken signature, and returns
// the transcript.
func targetCycle(t *testing.T, e *emulator.Embedded, id string) []*runner.Exchange {
	t.Helper()
	tg, err := runner.NewTarget(runner.TargetConfig{Endpoint: e.URL, Region: testRegion, Cred: e.Cred,
		Allowed:  func(string) bool { return true },
		Signings: []runner.Signing{runner.SignTC3, runner.SignHmacSHA256, runner.SignHmacSHA1}})
	require.NoError(t, err)
	ctx := context.Background()
	ids := tcapi.Param{Name: "InstanceIds", Value: model.Strs(id)}
	wait := func(st model.InstanceState) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, res, err := tg.Describe(ctx, "T-CYCLE", ids)
			require.NoError(t, err)
			if len(res.Instances) == 1 && res.Instances[0].State == st {
				return
			}
			require.True(t, time.Now().Before(deadline))
			time.Sleep(pollEvery)
		}
	}
	wait(model.Running)
	_, err = tg.Do(ctx, runner.Send{Check: "T-CYCLE", Call: tcapi.Call{Action: model.ActionStop,
		Params: []tcapi.Param{ids, {Name: "StopType", Value: model.Str("HARD")}}}})
	require.NoError(t, err)
	wait(model.Stopped)
	_, err = tg.Do(ctx, runner.Send{Check: "T-CYCLE", Call: tcapi.Call{Action: model.ActionStart, Params: []tcapi.Param{ids}}})
	require.NoError(t, err)
	wait(model.Running)
	_, err = tg.Do(ctx, runner.Send{Check: "T-AUTH", ExactStyle: true, Call: tcapi.Call{Action: model.ActionStop, Style: tcapi.StyleTC3JSON,
		Params: []tcapi.Param{ids}}, Mutate: breakSignature})
	require.NoError(t, err)
	return tg.Transcript().Since(0)
}

var tc3Signature = regexp.MustCompile(`Signature=([0-9a-f])`)

// breakSignature changes the first hex digit of a TC3 signature.
func breakSignature(r *http.Request) {
	a := r.Header.Get("Authorization")
	m := tc3Signature.FindStringSubmatchIndex(a)
	d := "0"
	if a[m[2]:m[3]] == "0" {
		d = "1"
	}
	r.Header.Set("Authorization", a[:m[2]]+d+a[m[3]:])
}

func writeTranscript(t *testing.T, xs []*runner.Exchange) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, passive.WriteTranscript(&b, xs))
	return b.Bytes()
}

func TestTranscriptRoundTrip(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	xs := targetCycle(t, e, plainInstances(t, 5, 1)[0])
	data := writeTranscript(t, xs)
	rec, err := passive.Read("run.jsonl", data)
	require.NoError(t, err)
	require.Equal(t, passive.FormatTranscript, rec.Format)
	require.False(t, rec.Scrubbed)
	require.Len(t, rec.Exchanges, len(xs))
	for i, x := range rec.Exchanges {
		require.Equal(t, xs[i].Method, x.Method)
		require.Equal(t, xs[i].Check, x.Check)
		require.Equal(t, xs[i].RawResponse, string(x.Response))
		require.Equal(t, xs[i].Sent.UnixNano(), x.Sent.UnixNano())
		require.Equal(t, passive.TimingExact, x.Timing)
		require.NotNil(t, x.Auth)
		require.Equal(t, xs[i].Request.Auth, *x.Auth, "#%d: the sender's reading of its authentication", i+1)
	}
	require.Equal(t, model.AuthBadSignature, *rec.Exchanges[len(xs)-1].Auth)

	empty := writeTranscript(t, nil)
	rec, err = passive.Read("empty.jsonl", empty)
	require.NoError(t, err)
	require.Empty(t, rec.Exchanges)
}

func TestTranscriptHoldsNoSecret(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	xs := targetCycle(t, e, plainInstances(t, 6, 1)[0])
	text := string(writeTranscript(t, xs))
	require.NotContains(t, text, e.Cred.SecretKey)
	require.NotContains(t, text, e.Cred.SecretID, "the SecretId is masked")
	require.Contains(t, text, runner.MaskSecretID(e.Cred.SecretID))
	for _, m := range regexp.MustCompile(`Signature=[^,&"\s]*`).FindAllString(text, -1) {
		require.Contains(t, []string{"Signature=(redacted)", "Signature=%28redacted%29"}, m, "no signature, TC3 or v1")
	}
	require.Contains(t, text, "SignatureMethod=HmacSHA256", "the v1 styles were recorded: GET")
	require.Contains(t, text, "application/x-www-form-urlencoded", "and form POST")
}

// A re-judged run keeps what the run knew of its own signatures: the
// broken one must be refused. Without that knowledge (a cassette) the
// judge accepts whatever the target answered.
func TestTranscriptJudgedWithTheRecordedAuthentication(t *testing.T) {
	t.Parallel()
	clean := targetCycle(t, startEmulator(t), plainInstances(t, 7, 1)[0])
	res := judge(t, "clean.jsonl", writeTranscript(t, clean), passive.Config{})
	require.Empty(t, res.Findings, findingLines(res))
	require.Equal(t, len(clean), res.Judged)

	faulty := targetCycle(t, startEmulator(t, "signature-unchecked"), plainInstances(t, 8, 1)[0])
	res = judge(t, "faulty.jsonl", writeTranscript(t, faulty), passive.Config{})
	f := firstOf(res, "AUTH-SIGNATURE")
	require.NotNil(t, f, findingLines(res))
	require.Equal(t, len(faulty), f.Index)
	require.Contains(t, f.Context, "[sent by T-AUTH]")

	rec, err := passive.Read("faulty.jsonl", writeTranscript(t, faulty))
	require.NoError(t, err)
	for _, x := range rec.Exchanges {
		x.Auth = nil
	}
	res = passive.JudgeRecording(passive.Config{}, rec)
	require.Nil(t, firstOf(res, "AUTH-SIGNATURE"), "a signature nobody can verify is what the target says it is")
}

// Given the key, the judge verifies as the emulator does, even in a
// cassette.
func TestJudgeVerifiesSignaturesWithTheKey(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, "signature-unchecked")
	rec := &recorder{}
	c := sdkClient(t, e.URL, e.Cred, rec, nil)
	describe(t, c, plainInstances(t, 9, 1)[0])
	rs := rec.exchanges()
	require.Len(t, rs, 1)
	bad := rs[0]
	bad.header = bad.header.Clone()
	for k, v := range bad.header {
		if strings.EqualFold(k, "Authorization") {
			r := &http.Request{Header: http.Header{"Authorization": v}}
			breakSignature(r)
			bad.header[k] = []string{r.Header.Get("Authorization")}
		}
	}
	cassette := vcrpyCassette([]recorded{rs[0], bad}, false)
	res := judge(t, "nokey.yaml", cassette, passive.Config{})
	require.Empty(t, res.Findings, "without the key: %s", findingLines(res))
	keys := tcapi.KeyMap{e.Cred.SecretID: {SecretKey: e.Cred.SecretKey, Account: runner.MaskSecretID(e.Cred.SecretID)}}
	res = judge(t, "key.yaml", cassette, passive.Config{Keys: keys})
	f := firstOf(res, "AUTH-SIGNATURE")
	require.NotNil(t, f, findingLines(res))
	require.Equal(t, 2, f.Index, "the first exchange verifies; the second does not")
	require.Len(t, res.Findings, 1)
}

package tcapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// No way of printing a Credential or Key reveals its secrets.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDvisible", SecretKey: "SECRETKEYVALUE", Token: "SESSIONTOKEN"}
	key := tcapi.Key{SecretKey: "SECRETKEYVALUE", Token: "SESSIONTOKEN", Account: "100001"}
	type wrapper struct {
		Cred tcapi.Credential
		Key  *tcapi.Key
	}
	w := wrapper{cred, &key}
	var outs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%T %v"} {
		outs = append(outs, fmt.Sprintf(format, cred), fmt.Sprintf(format, &cred), fmt.Sprintf(format, key), fmt.Sprintf(format, w))
	}
	outs = append(outs, cred.String(), cred.GoString(), key.String(), key.GoString(), fmt.Sprint(cred, key), fmt.Sprintln(w))
	for _, v := range []any{cred, key, w} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, nil))
	logger.Info("msg", "cred", cred, "key", key)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("msg", "cred", cred, "key", key)
	outs = append(outs, logBuf.String())
	for _, out := range outs {
		if strings.Contains(out, "SECRETKEYVALUE") || strings.Contains(out, "SESSIONTOKEN") {
			t.Errorf("output %q reveals a secret", out)
		}
	}
	if s := fmt.Sprint(cred); !strings.Contains(s, "AKIDvisible") || !strings.Contains(s, "(redacted)") {
		t.Errorf("fmt.Sprint(cred) = %q; want the SecretId and a redaction marker", s)
	}
	if s := fmt.Sprintf("%#v", cred); s != `tcapi.Credential{SecretID:"AKIDvisible", SecretKey:"(redacted)", Token:"(redacted)"}` {
		t.Errorf("%%#v = %s; want the Go-syntax form with secrets redacted", s)
	}
	if s := (tcapi.Credential{SecretID: "A"}).String(); s != "A (SecretKey )" {
		t.Errorf("String() of an empty key = %q; want %q", s, "A (SecretKey )")
	}
	if s := fmt.Sprintf("%q", key); s != `"account 100001 (SecretKey (redacted), Token (redacted))"` {
		t.Errorf("%%q of Key = %s; want the quoted redacted String", s)
	}
}

func TestKeyMap(t *testing.T) {
	t.Parallel()
	var none tcapi.KeyMap
	if _, ok := none.Lookup("x"); ok {
		t.Errorf("nil KeyMap.Lookup found a key; want none")
	}
	if k, ok := testKeys.Lookup("AKIDperm"); !ok || k.Account != "100001" {
		t.Errorf("Lookup(AKIDperm) = %v, %v; want account 100001", k, ok)
	}
}

package tcapi_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A test can send a properly signed request whose body is not JSON, or
// whose content type the API does not accept: the signature holds, and
// only the body or the content type is wrong.
func TestCallBodyAndContentTypeOverrides(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDoverride", SecretKey: "key"}
	keys := tcapi.KeyMap{cred.SecretID: {SecretKey: cred.SecretKey, Account: "a"}}
	for _, tt := range []struct {
		name   string
		call   tcapi.Call
		decode model.DecodeFault
	}{
		{"broken JSON", tcapi.Call{Body: []byte(`{"Limit": `)}, model.DecodeMalformed},
		{"text/plain", tcapi.Call{ContentType: "text/plain"}, model.DecodeContentType},
	} {
		c := tt.call
		c.Action, c.Version, c.Region, c.Timestamp = "DescribeInstances", "2017-03-12", "ap-guangzhou", time.Unix(1795649401, 0)
		req, err := tcapi.NewRequest(context.Background(), "http://127.0.0.1:1", c, cred)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(req.Body)
		got := tcapi.Decode(req, body, keys, tcapi.DefaultLimits())
		if got.Auth != model.AuthOK || got.Transport.Decode != tt.decode {
			t.Errorf("%s: Decode = auth %v, decode %v; want AuthOK, %v", tt.name, got.Auth, got.Transport.Decode, tt.decode)
		}
	}
}

// The official Node.js SDK signs the host without the port it sends
// (sign.js: host:${urlObj.hostname}); the verifier accepts exactly that,
// and not another host.
func TestVerifyAcceptsTheNodeSDKsPortlessHost(t *testing.T) {
	t.Parallel()
	cred := tcapi.Credential{SecretID: "AKIDnode", SecretKey: "key"}
	keys := tcapi.KeyMap{cred.SecretID: {SecretKey: cred.SecretKey, Account: "a"}}
	for _, tt := range []struct {
		sent string
		want model.AuthFact
	}{
		{"127.0.0.1:8080", model.AuthOK},
		{"127.0.0.2:8080", model.AuthBadSignature},
		{"127.0.0.1", model.AuthOK},
	} {
		req, err := tcapi.NewRequest(context.Background(), "http://127.0.0.1:8080", tcapi.Call{Action: "DescribeInstances",
			Version: "2017-03-12", Region: "ap-guangzhou", Timestamp: time.Unix(1795649401, 0), Host: "127.0.0.1"}, cred)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tt.sent
		body, _ := io.ReadAll(req.Body)
		if got := tcapi.Decode(req, body, keys, tcapi.DefaultLimits()).Auth; got != tt.want {
			t.Errorf("signed host 127.0.0.1, sent %s: auth %v; want %v", tt.sent, got, tt.want)
		}
	}
}

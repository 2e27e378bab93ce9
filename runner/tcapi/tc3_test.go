package tcapi

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// The worked TC3 examples of the documentation and two captures of the Go
// SDK, byte for byte (facts sheet §2 "Test vectors", where the docs are
// silent item 17). The body is the JSON text as written, with literal
// \u escapes.
const docBody = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`

func TestTC3DocumentVectors(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1551113065, 0)
	base := []Header{
		{"content-type", "application/json; charset=utf-8"},
		{"host", "cvm.tencentcloudapi.com"},
	}
	withAction := append(append([]Header(nil), base...), Header{"x-tc-action", "describeinstances"})
	tests := []struct {
		name      string
		headers   []Header
		secretKey string
		wantHCR   string
		wantSig   string
		reason    string
	}{{
		name:      "V1-intl",
		headers:   base,
		secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
		wantHCR:   "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
		wantSig:   "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
		reason:    "the English revision signs content-type;host with the EXAMPLE key",
	}, {
		name:      "V2-masked",
		headers:   base,
		secretKey: "Gu5t9xGARNpq86cd98joQYCN3*******",
		wantHCR:   "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
		wantSig:   "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c",
		reason:    "the older Chinese revision signed its masked key literally",
	}, {
		name:      "V3-x-tc-action",
		headers:   withAction,
		secretKey: strings.Repeat("*", 32),
		wantHCR:   "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84",
		wantSig:   "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f",
		reason:    "the current Chinese revision also signs x-tc-action, lower-cased",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payload := HashedPayload([]byte(docBody))
			if want := "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"; payload != want {
				t.Fatalf("HashedPayload = %s; want %s", payload, want)
			}
			cr := CanonicalRequestTC3("POST", "/", "", tt.headers, payload)
			if got := HashedPayload([]byte(cr)); got != tt.wantHCR {
				t.Errorf("sha256(CanonicalRequest) = %s; want %s\nreason: %s\ncanonical request:\n%s", got, tt.wantHCR, tt.reason, cr)
			}
			if got := TC3Signature(tt.secretKey, "cvm", ts, cr); got != tt.wantSig {
				t.Errorf("TC3Signature = %s; want %s\nreason: %s", got, tt.wantSig, tt.reason)
			}
		})
	}
}

func TestTC3DocumentIntermediates(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1551113065, 0)
	cr := CanonicalRequestTC3("POST", "/", "", []Header{
		{"content-type", "application/json; charset=utf-8"},
		{"host", "cvm.tencentcloudapi.com"},
	}, HashedPayload([]byte(docBody)))
	wantCR := "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
	if cr != wantCR {
		t.Errorf("CanonicalRequestTC3 = %q; want %q", cr, wantCR)
	}
	wantSTS := "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
	if got := StringToSignTC3(ts, "cvm", cr); got != wantSTS {
		t.Errorf("StringToSignTC3 = %q; want %q", got, wantSTS)
	}
	if got, want := CredentialScopeTC3(ts.In(time.FixedZone("UTC+14", 14*3600)), "cvm"), "2019-02-25/cvm/tc3_request"; got != want {
		t.Errorf("CredentialScopeTC3(local time) = %s; want %s (the date is always UTC)", got, want)
	}

	kDate, kService, kSigning := tc3Keys(strings.Repeat("*", 32), "2019-02-25", "cvm")
	for _, c := range []struct{ name, got, want string }{
		{"V3 kDate", hex.EncodeToString(kDate), "da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0"},
		{"V3 kService", hex.EncodeToString(kService), "8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f"},
		{"V3 kSigning", hex.EncodeToString(kSigning), "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s; want %s", c.name, c.got, c.want)
		}
	}
	_, _, kSigning = tc3Keys("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm")
	if got, want := hex.EncodeToString(kSigning), "ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1"; got != want {
		t.Errorf("V1 kSigning = %s; want %s", got, want)
	}

	wantAuth := "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
	if got := AuthorizationTC3("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", ts, "cvm", "content-type;host", TC3Signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", ts, cr)); got != wantAuth {
		t.Errorf("AuthorizationTC3 = %q; want %q", got, wantAuth)
	}
}

func TestTC3VariantBodyHashes(t *testing.T) {
	t.Parallel()
	// Some intl docs print "unnamed" instead of the escaped Chinese name;
	// the sheet gives only prefixes for that variant.
	body := `{"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}`
	payload := HashedPayload([]byte(body))
	if !strings.HasPrefix(payload, "99d58dfb") || !strings.HasSuffix(payload, "4907") {
		t.Errorf("HashedPayload(variant) = %s; want 99d58dfb…4907", payload)
	}
	cr := CanonicalRequestTC3("POST", "/", "", []Header{
		{"content-type", "application/json; charset=utf-8"},
		{"host", "cvm.tencentcloudapi.com"},
	}, payload)
	if h := HashedPayload([]byte(cr)); !strings.HasPrefix(h, "28158430") || !strings.HasSuffix(h, "dda7a") {
		t.Errorf("sha256(CanonicalRequest variant) = %s; want 28158430…dda7a", h)
	}
	if got, want := HashedPayload(nil), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; got != want {
		t.Errorf("HashedPayload(empty) = %s; want %s", got, want)
	}
}

func TestParseAuthorizationTC3(t *testing.T) {
	t.Parallel()
	const good = "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=abc"
	tests := []struct {
		name, header string
		wantOK       bool
		reason       string
	}{
		{"sdk form", good, true, "the SDK's exact layout"},
		{"no spaces", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request,SignedHeaders=content-type;host,Signature=abc", true, "',' without a space is tolerated"},
		{"reordered", "TC3-HMAC-SHA256 Signature=abc, Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host", true, "parts are named, so order does not matter"},
		{"upper-case names", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=Content-Type;Host, Signature=abc", true, "header names are compared lower-cased"},
		{"no space after algorithm", "TC3-HMAC-SHA256Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=abc", false, "the algorithm is a separate word"},
		{"algorithm only", "TC3-HMAC-SHA256", false, "nothing after the algorithm"},
		{"missing signature", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host", false, "all three parts are required"},
		{"duplicate part", good + ", Signature=abc", false, "each part exactly once"},
		{"unknown part", good + ", Foo=bar", false, "nothing but the three parts"},
		{"empty value", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=", false, "an empty signature"},
		{"no equals", "TC3-HMAC-SHA256 Credential, SignedHeaders=content-type;host, Signature=abc", false, "a part without '='"},
		{"short scope", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm, SignedHeaders=content-type;host, Signature=abc", false, "the scope has four parts"},
		{"wrong terminator", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/aws4_request, SignedHeaders=content-type;host, Signature=abc", false, "the scope ends in tc3_request"},
		{"empty secret id", "TC3-HMAC-SHA256 Credential=/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=abc", false, "no SecretId"},
		{"empty header name", "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;;host, Signature=abc", false, "an empty signed header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, ok := parseAuthorizationTC3(tt.header)
			if ok != tt.wantOK {
				t.Fatalf("parseAuthorizationTC3(%q) ok = %v; want %v\nreason: %s", tt.header, ok, tt.wantOK, tt.reason)
			}
			if ok && (a.secretID != "AKID" || a.date != "2019-02-25" || a.service != "cvm" || a.signature != "abc" ||
				strings.Join(a.signedHeaders, ";") != "content-type;host") {
				t.Errorf("parseAuthorizationTC3(%q) = %+v; want AKID, 2019-02-25, cvm, [content-type host], abc", tt.header, a)
			}
		})
	}
}

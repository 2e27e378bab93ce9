package tcapi

import (
	"net/url"
	"testing"
)

// The v1 examples (facts sheet §3): the documentation's HmacSHA1 vector,
// its HmacSHA256 variant and a Go SDK capture.
func TestV1Vectors(t *testing.T) {
	t.Parallel()
	docParams := url.Values{
		"Action":        {"DescribeInstances"},
		"InstanceIds.0": {"ins-09dx96dg"},
		"Limit":         {"20"},
		"Nonce":         {"11886"},
		"Offset":        {"0"},
		"Region":        {"ap-guangzhou"},
		"SecretId":      {"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"},
		"Timestamp":     {"1465185768"},
		"Version":       {"2017-03-12"},
	}
	doc256 := url.Values{"SignatureMethod": {"HmacSHA256"}}
	for k, v := range docParams {
		doc256[k] = v
	}
	sdk := url.Values{
		"Action":          {"StopInstances"},
		"ForceStop":       {"true"},
		"InstanceIds.0":   {"ins-r8hr2upy"},
		"InstanceIds.1":   {"ins-5d8a23rs"},
		"Language":        {"zh-CN"},
		"Nonce":           {"1139517535623703906"},
		"Region":          {"ap-guangzhou"},
		"RequestClient":   {"SDK_GO_1.3.211"},
		"SecretId":        {"AKIDEXAMPLE"},
		"SignatureMethod": {"HmacSHA256"},
		"StopType":        {"SOFT"},
		"Timestamp":       {"1795649413"},
		"Version":         {"2017-03-12"},
		"Signature":       {"excluded from the string to sign"},
	}
	tests := []struct {
		name, method, host, key, sigMethod string
		params                             url.Values
		wantSTS, wantSig, reason           string
	}{{
		name: "doc HmacSHA1", method: "GET", host: "cvm.tencentcloudapi.com",
		key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", sigMethod: "", params: docParams,
		wantSTS: "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12",
		wantSig: "EliP9YW3pW28FpsEdkXt/+WcGeI=",
		reason:  "the documented example; no SignatureMethod means HmacSHA1",
	}, {
		name: "doc HmacSHA256", method: "GET", host: "cvm.tencentcloudapi.com",
		key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", sigMethod: "HmacSHA256", params: doc256,
		wantSTS: "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&SignatureMethod=HmacSHA256&Timestamp=1465185768&Version=2017-03-12",
		wantSig: "A8uy2/o7WBZXYCTWEFpMrVGhGBVlEGIOioeqRM+fzFs=",
		reason:  "SignatureMethod=HmacSHA256 is itself signed and selects SHA-256",
	}, {
		name: "sdk capture", method: "POST", host: "127.0.0.1:35259",
		key: "secretkey", sigMethod: "HmacSHA256", params: sdk,
		wantSTS: "POST127.0.0.1:35259/?Action=StopInstances&ForceStop=true&InstanceIds.0=ins-r8hr2upy&InstanceIds.1=ins-5d8a23rs&Language=zh-CN&Nonce=1139517535623703906&Region=ap-guangzhou&RequestClient=SDK_GO_1.3.211&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&StopType=SOFT&Timestamp=1795649413&Version=2017-03-12",
		wantSig: "aPUAcavUL5UWT81DDO7P46g56qHSoE2NogBzLG8lRxc=",
		reason:  "the SDK signs the host with its port and its Language/RequestClient params",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := V1StringToSign(tt.method, tt.host, "/", tt.params)
			if sts != tt.wantSTS {
				t.Errorf("V1StringToSign = %q; want %q\nreason: %s", sts, tt.wantSTS, tt.reason)
			}
			if got := V1Signature(tt.sigMethod, tt.key, sts); got != tt.wantSig {
				t.Errorf("V1Signature = %s; want %s\nreason: %s", got, tt.wantSig, tt.reason)
			}
		})
	}
}

func TestV1StringToSignOrder(t *testing.T) {
	t.Parallel()
	got := V1StringToSign("GET", "h", "/", url.Values{
		"InstanceIds.2":  {"b"},
		"InstanceIds.12": {"a"},
		"Dup":            {"2", "1"},
		"Signature":      {"x"},
	})
	want := "GETh/?Dup=2&Dup=1&InstanceIds.12=a&InstanceIds.2=b"
	if got != want {
		t.Errorf("V1StringToSign = %q; want %q (byte order: .12 before .2; repeated values in the order given; Signature left out)", got, want)
	}
	if got := V1StringToSign("GET", "h", "/", nil); got != "GETh/?" {
		t.Errorf("V1StringToSign(no params) = %q; want %q", got, "GETh/?")
	}
}

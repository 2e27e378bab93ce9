package tcapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/model"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// A client builds a signed StopInstances request; the server decodes it
// into the model's request.
func ExampleDecode() {
	cred := tcapi.Credential{SecretID: "AKIDEXAMPLE", SecretKey: "secretkey"}
	req, err := tcapi.NewRequest(context.Background(), "http://127.0.0.1:8080", tcapi.Call{
		Action: "StopInstances", Version: "2017-03-12", Region: "ap-guangzhou",
		Params: []tcapi.Param{
			{Name: "InstanceIds", Value: model.Strs("ins-r8hr2upy")},
			{Name: "StopType", Value: model.Str("SOFT")},
		},
		Style:     tcapi.StyleTC3JSON,
		Timestamp: time.Unix(1795649401, 0),
	}, cred)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(req.Body)
	fmt.Println(string(body))

	keys := tcapi.KeyMap{"AKIDEXAMPLE": {SecretKey: "secretkey", Account: "100001"}}
	got := tcapi.Decode(req, body, keys, tcapi.DefaultLimits())
	fmt.Println(got.Action, got.Region, got.Auth == model.AuthOK, got.Account, got.Params["InstanceIds"])
	// Output:
	// {"InstanceIds":["ins-r8hr2upy"],"StopType":"SOFT"}
	// StopInstances ap-guangzhou true 100001 ["ins-r8hr2upy"]
}

// The emulator answers with an envelope; the runner parses it.
func ExampleParseResponse() {
	rec := httptest.NewRecorder()
	tcapi.WriteError(rec, "d39d6c09-44e9-4e80-8661-77b5ff3cbc15", "InvalidInstanceId.NotFound", "no such instance")
	resp, err := tcapi.ParseResponse(rec.Body.Bytes())
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Err())

	rec = httptest.NewRecorder()
	tcapi.WriteSuccess(rec, "rid", map[string]int{"TotalCount": 0})
	fmt.Println(rec.Body.String())
	resp, _ = tcapi.ParseResponse(rec.Body.Bytes())
	fmt.Println(resp.Err() == nil, resp.RequestID, string(resp.Fields["TotalCount"]))
	// Output:
	// InvalidInstanceId.NotFound: no such instance (RequestId d39d6c09-44e9-4e80-8661-77b5ff3cbc15)
	// {"Response":{"TotalCount":0,"RequestId":"rid"}}
	// true rid 0
}

// A Credential never prints its secrets.
func ExampleCredential() {
	cred := tcapi.Credential{SecretID: "AKIDEXAMPLE", SecretKey: "secretkey", Token: "session"}
	fmt.Println(cred)
	fmt.Printf("%#v\n", cred)
	fmt.Println(strings.Contains(fmt.Sprintf("%+v", struct{ C tcapi.Credential }{cred}), "secretkey"))
	// Output:
	// AKIDEXAMPLE (SecretKey (redacted), Token (redacted))
	// tcapi.Credential{SecretID:"AKIDEXAMPLE", SecretKey:"(redacted)", Token:"(redacted)"}
	// false
}

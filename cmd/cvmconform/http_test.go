package main

import (
	"io"
	"net/http"

	"github.com/cvmconform/cvmconform/runner/tcapi"
)

type httpClient struct{}

func (httpClient) do(req *http.Request) (tcapi.Response, error) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return tcapi.Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return tcapi.Response{}, err
	}
	return tcapi.ParseResponse(b)
}

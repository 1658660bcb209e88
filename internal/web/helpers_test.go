package web_test

import (
	"net/http"
	"net/http/httptest"
)

func newLocalServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

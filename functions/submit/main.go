// Command submit is the SubmitFunction: it accepts the website form's
// POST /appointments through API Gateway, validates the request and stores
// it in the RequestsTable. It never sends email; the table's stream does.
package main

import (
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/submitfn"
)

// setup reads the settings once (config.ReadSubmit), loads the AWS
// configuration from the environment and builds the handler and its
// clients (submitfn.OnAWS).
var setup = bootstrap.Setup(config.ReadSubmit, submitfn.OnAWS)

func main() {
	bootstrap.Run("submit", setup, func(h *httpapi.Handler) any { return h.Handle })
}

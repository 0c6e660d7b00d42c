// Command notify is the NotifyFunction: it reads the RequestsTable's stream
// and sends the patient's confirmation and the front desk's notification
// for each new request through Amazon SES.
package main

import (
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/notifyfn"
)

// setup reads the settings once (config.ReadNotify), loads the AWS
// configuration from the environment and builds the handler and its
// clients (notifyfn.OnAWS).
var setup = bootstrap.Setup(config.ReadNotify, notifyfn.OnAWS)

func main() {
	bootstrap.Run("notify", setup, func(h *notify.Handler) any { return h.Handle })
}

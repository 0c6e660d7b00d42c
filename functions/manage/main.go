// Command manage is the ManageFunction: it serves the action links in the
// emails, GET and POST /manage/{action}/{token} on the same HTTP API as the
// form, through which the front desk marks a request contacted, schedules,
// reschedules or declines it and the patient cancels it.
package main

import (
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/manage"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/managefn"
)

// setup reads the settings once (config.ReadManage), loads the AWS
// configuration from the environment and builds the handler and its
// clients (managefn.OnAWS).
var setup = bootstrap.Setup(config.ReadManage, managefn.OnAWS)

func main() {
	bootstrap.Run("manage", setup, func(h *manage.Handler) any { return h.Handle })
}

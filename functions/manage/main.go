// Command manage is the ManageFunction: it serves the action links in the
// emails, GET and POST /manage/{action}/{token} on the same HTTP API as the
// form, through which the front desk marks a request contacted, schedules,
// reschedules or declines it and the patient cancels it.
package main

import "example.com/appointments/internal/wire/managefn"

func main() { managefn.Function.Run() }

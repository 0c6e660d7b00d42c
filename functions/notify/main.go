// Command notify is the NotifyFunction: it reads the RequestsTable's stream
// and sends the patient's confirmation and the front desk's notification
// for each new request through Amazon SES.
package main

import "example.com/appointments/internal/wire/notifyfn"

func main() { notifyfn.Function.Run() }

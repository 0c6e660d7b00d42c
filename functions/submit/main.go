// Command submit is the SubmitFunction: it accepts the website form's
// POST /appointments through API Gateway, validates the request and stores
// it in the RequestsTable. It never sends email; the table's stream does.
package main

import "example.com/appointments/internal/wire/submitfn"

func main() { submitfn.Function.Run() }

// Package docs holds the checks that keep the project's documentation
// (README.md, SECURITY.md and docs/) true to the code: links that lead
// somewhere and make targets that exist. Checks of names and numbers the
// code defines live beside that code, such as the problem codes in
// internal/httpapi and the parameters in infra/template.
package docs

// Package cli is gonetstat's command line: the flag grammar (Windows
// netstat letters, GNU long aliases, Linux hands' -t -u -l), the wiring of
// collectors to renderers, the interval loop and the usage text. It holds
// no OS code: collectors come in through Env, so every path runs
// in-process in tests with fakes.
package cli

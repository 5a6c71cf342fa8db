// Package safetext is gonetstat's one policy for untrusted strings: every
// string that comes from the kernel, /proc, netlink, a process, a control
// socket or the network (interface names and IPv6 zones, process and
// executable names, namespace and container names, DNS answers, paths,
// error messages that quote any of these) goes through it before it
// reaches a terminal, a log line or a JSON document. No other package
// keeps a cleaner of its own.
//
// # What is unsafe
//
// One classification, Unsafe, used by every writer:
//
//   - C0 controls U+0000–U+001F (tab and newline included: a field is one
//     line, and a newline in a name would forge a row or a log line) and
//     DEL U+007F;
//   - C1 controls U+0080–U+009F: some terminals take U+009B as CSI, the
//     same as ESC [;
//   - the Unicode Bidi_Control characters (PropList.txt): U+061C ALM,
//     U+200E LRM, U+200F RLM, U+202A–U+202E (LRE, RLE, PDF, LRO, RLO) and
//     U+2066–U+2069 (LRI, RLI, FSI, PDI). The overrides and isolates
//     reorder what follows on the line (the "Trojan Source" attack,
//     CVE-2021-42574); the three marks are in too, since they are
//     invisible and can still move neutral characters (digits, ':', '.')
//     of an address or port from one side to the other, and no interface,
//     process or host name needs them;
//   - U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR, which some
//     terminals, editors and JavaScript treat as line ends;
//   - every byte that is not part of valid UTF-8 (lone continuation
//     bytes, truncated sequences, overlong forms, surrogates, 0xfe/0xff).
//
// Everything else passes: letters of any script ("ünïcode"), spaces,
// quotes, backslashes, emoji and the joiners they need. Other invisible
// format characters (ZWSP, ZWJ, soft hyphen) neither drive a terminal nor
// reorder a line, so they are left as they are.
//
// # Text: AppendText, Text
//
// For terminals and log lines every unsafe rune, and every byte of
// invalid UTF-8, becomes one '?', as ls -q and GNU ls on a terminal show
// unprintable names: the field keeps its place and roughly its width, and
// the text holds no byte below 0x20, no DEL and nothing but valid UTF-8.
// The mapping loses information on purpose; the JSON output keeps it.
//
// # JSON: AppendJSON, AppendJSONBody
//
// A JSON string is always valid RFC 8259 (§7): '"' and '\' are escaped,
// C0 controls as \n, \r, \t or \u00XX; DEL, the C1 controls, the
// Bidi_Control characters and U+2028/U+2029 (valid in JSON, but raw they
// would reach the terminal of whoever cats the file) as \uXXXX, so that a
// decoder gets the exact rune back while the raw document carries none of
// them. A byte that is not UTF-8 cannot be carried by a JSON string (RFC
// 8259 §8.1) and becomes U+FFFD, written \ufffd: one per invalid byte,
// as Go's utf8 decoding counts them.
//
// # Cost
//
// The appenders allocate nothing: a safe string is copied in one append,
// an unsafe one rune by rune. Text returns its argument unchanged, without
// allocating, when it is already safe.
package safetext

// Package texts carries the specification texts conform quotes, so that every quote and
// every traced sentence is checked against the documents themselves, inside the checkout.
//
// PEP 3333 is in the public domain; RFC 9110 and RFC 9112 are copied in full, as the IETF
// Trust's legal provisions permit for unmodified RFCs.
package texts

import _ "embed"

// The documents, as published.
var (
	//go:embed pep-3333.rst
	PEP3333 string
	//go:embed rfc9112.txt
	RFC9112 string
	//go:embed rfc9110.txt
	RFC9110 string
)

// ByDoc maps a document name as check references spell it ("PEP 3333", "RFC 9112",
// "RFC 9110") to its text.
func ByDoc(doc string) (string, bool) {
	switch doc {
	case "PEP 3333":
		return PEP3333, true
	case "RFC 9112":
		return RFC9112, true
	case "RFC 9110":
		return RFC9110, true
	}
	return "", false
}

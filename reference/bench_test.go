package reference

import (
	"strings"
	"testing"
)

func benchInterpret(b *testing.B, raw string, wantReqs int) {
	data := []byte(raw)
	if in := Interpret(data, Limits{}); len(in.Requests) != wantReqs || in.Error != nil {
		b.Fatalf("benchmark input interprets as %+v", in)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Interpret(data, Limits{})
	}
	b.ReportMetric(float64(b.N*wantReqs)/b.Elapsed().Seconds(), "requests/s")
}

// BenchmarkInterpretSmallGET: a typical small GET.
func BenchmarkInterpretSmallGET(b *testing.B) {
	benchInterpret(b, "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n", 1)
}

// BenchmarkInterpretChunkedPOST: a chunked POST of 4 KiB in 8 chunks with a trailer.
func BenchmarkInterpretChunkedPOST(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
	for i := 0; i < 8; i++ {
		sb.WriteString("200;i=" + string(rune('0'+i)) + "\r\n" + strings.Repeat("x", 0x200) + "\r\n")
	}
	sb.WriteString("0\r\nX-Checksum: abc\r\n\r\n")
	benchInterpret(b, sb.String(), 1)
}

// BenchmarkInterpretLargeHeaders: 60 header fields of ~200 bytes (about 12 KiB of header).
func BenchmarkInterpretLargeHeaders(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("GET / HTTP/1.1\r\nHost: example.com\r\n")
	for i := 0; i < 60; i++ {
		sb.WriteString("X-Header-" + strings.Repeat("n", i%10) + ": " + strings.Repeat("v", 200) + "\r\n")
	}
	sb.WriteString("\r\n")
	benchInterpret(b, sb.String(), 1)
}

// BenchmarkInterpretPipelined: 100 pipelined small GETs on one connection.
func BenchmarkInterpretPipelined(b *testing.B) {
	benchInterpret(b, strings.Repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 100), 100)
}

package conformance_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/conform-wsgi/conform/matchers"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
	"github.com/conform-wsgi/conform/wire"
)

// The reference gateway stands in for the maintainer's server: a real suite would start
// its server hosting probes.Source and point spec.NewTarget at it.
var _ = Describe("a server hosting the probe", func() {
	var target *spec.Target

	BeforeEach(func() {
		ref, err := reference.Start(reference.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ref.Close)
		target = spec.NewTarget(ref.Addr)
	})

	It("passes the preflight and reports the probe's protocol version", func(ctx SpecContext) {
		e, err := spec.Preflight(ctx, target)
		Expect(err).NotTo(HaveOccurred())
		Expect(e.Version).To(Equal(probes.Version))
		Expect(e).To(matchers.HaveNativeStr("SERVER_PROTOCOL"))
		Expect(e).To(matchers.HaveEnviron("SERVER_PROTOCOL", "HTTP/1.1"))
	}, NodeTimeout(20*time.Second))

	It("hands the application the exact bytes of the path, query and fields", func(ctx SpecContext) {
		x, err := target.Do(ctx, wire.Request([]byte("GET /caf%C3%A9?a=%FF HTTP/1.1\r\nHost: h\r\nX-Thing: v\r\n\r\n")))
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(matchers.HaveResponseStatus(200))
		Expect(x).NotTo(matchers.HaveResponseStatus(400))

		r := x.Responses[0]
		Expect(r).To(matchers.HaveResponseStatus(200))
		Expect(r).To(matchers.HaveHeader("Content-Type", "application/json"))
		Expect(r).NotTo(matchers.HaveHeader("Content-Type", "text/html"))

		e := matchers.EchoOf(r)
		Expect(e).NotTo(BeNil())
		Expect(e.Version).To(Equal(probes.Version))
		// PEP 3333: PATH_INFO is the percent-decoded bytes, one latin-1 code point each.
		Expect(e).To(matchers.HaveEnviron("PATH_INFO", "/caf\xc3\xa9"))
		Expect(e).NotTo(matchers.HaveEnviron("PATH_INFO", "/caf\xe9"))
		Expect(e).To(matchers.HaveEnviron("QUERY_STRING", "a=%FF"))
		Expect(r).To(matchers.HaveEnviron("HTTP_X_THING", "v"))
		Expect(e).To(matchers.HaveNativeStr("QUERY_STRING"))
		Expect(e).NotTo(matchers.HaveNativeStr("wsgi.version"))
		Expect(e).NotTo(matchers.HaveNativeStr("HTTP_ABSENT"))
	}, NodeTimeout(20*time.Second))

	It("reassembles a request written in fragments", func(ctx SpecContext) {
		x, err := target.Do(ctx, wire.Script{
			Steps: []wire.Step{
				{Data: []byte("POST /frag HTTP/1.1\r\nHost: h\r\nContent-Le")},
				{Data: []byte("ngth: 5\r\n\r\nhe"), Delay: 20 * time.Millisecond},
				{Data: []byte("llo"), Delay: 20 * time.Millisecond},
			},
			Responses: 1,
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(matchers.HaveResponseStatus(200))
		Expect(x.Responses[0]).To(matchers.HaveEnviron("CONTENT_LENGTH", "5"))
		Expect(x.Responses[0]).To(matchers.HaveEnviron("REQUEST_METHOD", "POST"))
	}, NodeTimeout(20*time.Second))

	It("rejects a request without Host, which is no probe echo", func(ctx SpecContext) {
		x, err := target.Do(ctx, wire.Request([]byte("GET / HTTP/1.1\r\n\r\n")))
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(matchers.HaveResponseStatus(400))
		Expect(x).NotTo(matchers.HaveResponseStatus(200))
		Expect(matchers.EchoOf(x.Responses[0])).To(BeNil())
		Expect(matchers.EchoOf(nil)).To(BeNil())

		// A matcher given something that is not an echo errors instead of matching.
		ok, err := matchers.HaveEnviron("PATH_INFO", "/").Match(x.Responses[0])
		Expect(ok).To(BeFalse())
		Expect(err).To(MatchError(ContainSubstring("not a probe echo")))
	}, NodeTimeout(20*time.Second))

	It("passes a catalog check", func(ctx SpecContext) {
		c, ok := spec.Lookup("rfc9112/3.2/missing-host")
		Expect(ok).To(BeTrue())
		res := spec.RunOne(ctx, target, c, 10*time.Second)
		Expect(res).To(matchers.PassCheck())
		Expect(res).To(matchers.HaveStatus(spec.Pass))
		Expect(res).NotTo(matchers.HaveStatus(spec.Fail, spec.Warn, spec.Error))
	}, NodeTimeout(20*time.Second))

	It("explains what went wrong when an expectation fails", func(ctx SpecContext) {
		x, err := target.Do(ctx, wire.Request([]byte("GET /here HTTP/1.1\r\nHost: h\r\n\r\n")))
		Expect(err).NotTo(HaveOccurred())
		failure := InterceptGomegaFailure(func() {
			Expect(x.Responses[0]).To(matchers.HaveEnviron("PATH_INFO", "/elsewhere"))
		})
		Expect(failure).To(MatchError(ContainSubstring(`PATH_INFO is str "/here"`)))
		failure = InterceptGomegaFailure(func() {
			Expect(x).To(matchers.HaveResponseStatus(404))
		})
		Expect(failure).To(MatchError(ContainSubstring("expected status 404, got 200")))
		failure = InterceptGomegaFailure(func() {
			Expect(x.Responses[0]).To(matchers.HaveHeader("Content-Type", "text/plain"))
		})
		Expect(failure).To(MatchError(ContainSubstring(`got ["application/json"]`)))
	}, NodeTimeout(20*time.Second))
})

// The package documentation's example, word for word but for the address.
var _ = Describe("the example in the matchers documentation", func() {
	It("compiles and passes from outside conform", func(ctx SpecContext) {
		ref, err := reference.Start(reference.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ref.Close)

		t := spec.NewTarget(ref.Addr)
		x, err := t.Do(ctx, wire.Request([]byte("GET /caf%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n")))
		Expect(err).NotTo(HaveOccurred())
		Expect(x).To(matchers.HaveResponseStatus(200))
		Expect(x.Responses[0]).To(matchers.HaveHeader("Content-Type", "application/json"))
		e := matchers.EchoOf(x.Responses[0])
		Expect(e).To(matchers.HaveEnviron("PATH_INFO", "/caf\xc3\xa9"))
		Expect(e).To(matchers.HaveNativeStr("PATH_INFO"))

		c, _ := spec.Lookup("rfc9112/3.2/missing-host")
		Expect(spec.RunOne(ctx, t, c, 0)).To(matchers.PassCheck())
	}, NodeTimeout(40*time.Second))
})

var _ = Describe("a server that serves HTTP/1.1 requests without Host", func() {
	It("fails the check, quoting the sentence it breaks", func(ctx SpecContext) {
		dev, err := reference.Start(reference.Options{Deviations: reference.Deviations{AcceptMissingHost: true}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(dev.Close)

		c, ok := spec.Lookup("rfc9112/3.2/missing-host")
		Expect(ok).To(BeTrue())
		res := spec.RunOne(ctx, spec.NewTarget(dev.Addr), c, 10*time.Second)
		Expect(res).NotTo(matchers.PassCheck())
		Expect(res).To(matchers.HaveStatus(spec.Fail))

		failure := InterceptGomegaFailure(func() { Expect(res).To(matchers.PassCheck()) })
		Expect(failure).To(MatchError(ContainSubstring("rfc9112/3.2/missing-host: expected [pass], got fail")))
		Expect(failure).To(MatchError(ContainSubstring(c.Quote)))
	}, NodeTimeout(20*time.Second))
})

package matchers

import (
	"context"
	"testing"

	"github.com/onsi/gomega"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
	"github.com/conform-wsgi/conform/wire"
)

func TestMatchersOnARealExchange(t *testing.T) {
	g := gomega.NewWithT(t)
	ref, err := reference.Start(reference.Options{})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	defer ref.Close()

	x, err := wire.Do(context.Background(), ref.Addr, wire.Request([]byte("GET /caf%C3%A9?a=1 HTTP/1.1\r\nHost: h\r\nX-Thing: v\r\n\r\n")))
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(x).To(HaveResponseStatus(200))
	r := x.Responses[0]
	g.Expect(r).To(HaveHeader("Content-Type", "application/json"))
	g.Expect(r).NotTo(HaveHeader("Content-Type", "text/html"))
	e := EchoOf(r)
	g.Expect(e).To(HaveEnviron("PATH_INFO", "/caf\xc3\xa9"))
	g.Expect(r).To(HaveEnviron("HTTP_X_THING", "v"))
	g.Expect(e).NotTo(HaveEnviron("PATH_INFO", "/caf\xe9"))
	g.Expect(e).To(HaveNativeStr("QUERY_STRING"))
	g.Expect(e).NotTo(HaveNativeStr("wsgi.version"))

	bad, err := wire.Do(context.Background(), ref.Addr, wire.Request([]byte("GET / HTTP/1.1\r\n\r\n")))
	g.Expect(err).NotTo(gomega.HaveOccurred())
	g.Expect(bad).To(HaveResponseStatus(400))
	g.Expect(EchoOf(bad.Responses[0])).To(gomega.BeNil())

	// Failure messages carry what a maintainer needs.
	m := HaveEnviron("PATH_INFO", "/nope")
	ok, _ := m.Match(e)
	g.Expect(ok).To(gomega.BeFalse())
	g.Expect(m.FailureMessage(e)).To(gomega.ContainSubstring("PATH_INFO"))
	_, err = HaveEnviron("A", "b").Match(42)
	g.Expect(err).To(gomega.HaveOccurred())

	c, _ := spec.Lookup("rfc9112/3.2/missing-host")
	res := spec.RunOne(context.Background(), spec.NewTarget(ref.Addr), c, 0)
	g.Expect(res).To(PassCheck())
	dev, err := reference.Start(reference.Options{Deviations: reference.Deviations{AcceptMissingHost: true}})
	g.Expect(err).NotTo(gomega.HaveOccurred())
	defer dev.Close()
	res = spec.RunOne(context.Background(), spec.NewTarget(dev.Addr), c, 0)
	g.Expect(res).NotTo(PassCheck())
	g.Expect(PassCheck().FailureMessage(res)).To(gomega.ContainSubstring("A server MUST respond with a 400"))
	_ = probes.Version
}

# trafficmonitor: the two commands a newcomer needs are `make demo` and `make test`.
# Both run hack/setup.sh first, which installs and builds everything (cached by version).

MVN ?= mvn -B -ntp

.PHONY: setup demo demo-down test build fmt clean images plugin

setup:
	hack/setup.sh

## Bring up the local cluster, install trafficmonitor and show live numbers (Ctrl-C stops it).
demo: setup
	hack/demo.sh

## Tear down whatever a demo left running.
demo-down:
	hack/demo.sh down

## Every test tier: unit, kernel (root, BPF), API (real kube-apiserver) and end to end (real
## kubelet nodes running the images, which are built first: cached, seconds when unchanged).
test: setup images
	$(MVN) verify

## Build without running the tests.
build: setup
	$(MVN) install -DskipTests

## The kubectl plugin (kubectl trafficmonitor, kubectl tm) from its release archive
## (plugin/target/kubectl-trafficmonitor-VERSION.tar.gz) into ./bin: add ./bin to PATH, then
## `kubectl tm top MONITOR` (docs/plugin.md). Needs only the JDK and Maven.
plugin:
	$(MVN) -pl plugin -am package -DskipTests
	mkdir -p bin
	rm -rf bin/kubectl-trafficmonitor bin/kubectl-tm bin/lib
	tar -xzf plugin/target/kubectl-trafficmonitor-*.tar.gz -C bin --strip-components=1
	@echo "kubectl trafficmonitor is in $(CURDIR)/bin: export PATH=\"$(CURDIR)/bin:\$$PATH\", then kubectl tm --help"

## Format Java (google-java-format) and C (clang-format).
fmt:
	$(MVN) spotless:apply
	find bpf jni -name '*.c' -o -name '*.h' | grep -v vmlinux.h | xargs -r clang-format -i

## OCI images from Debian packages and Maven output: target/images/<name>.tar
## (pause, operator, node-agent, trafficgen; IMAGES="pause" builds only those named).
images:
	images/build.sh $(IMAGES)

clean:
	$(MVN) clean

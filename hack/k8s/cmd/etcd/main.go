// Command etcd is etcd's server built from go.etcd.io/etcd/server/v3 at the version that
// k8s.io/kubernetes requires, because Debian's etcd 3.4.23 lacks the watch-progress
// requests that kube-apiserver 1.34 needs for watch streams.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

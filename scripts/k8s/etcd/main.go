// Command etcd is upstream etcd's server main (go.etcd.io/etcd/server/v3/main.go), built from the
// published module because upstream's go.mod replaces its sibling modules with local paths,
// which makes `go install go.etcd.io/etcd/server/v3@version` fail.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

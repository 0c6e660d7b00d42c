package process

import (
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestFreePortsAreDistinctAndBindable: the ports can be bound once chosen,
// and no port is handed out twice in one call.
func TestFreePortsAreDistinctAndBindable(t *testing.T) {
	ports, err := FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Fatalf("port %d handed out twice in %v", p, ports)
		}
		seen[p] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d cannot be bound: %v", p, err)
		}
		l.Close()
	}
}

// TestWithoutAWS: a child process gets none of the caller's AWS settings,
// and everything else.
func TestWithoutAWS(t *testing.T) {
	got := WithoutAWS([]string{"PATH=/bin", "AWS_PROFILE=dev", "HOME=/home/x", "AWS_ENDPOINT_URL=http://127.0.0.1:1"})
	want := []string{"PATH=/bin", "HOME=/home/x"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("WithoutAWS = %q, want %q", got, want)
	}
}

// TestKillGroupStopsTheProcess: a process started in a group of its own
// is gone after KillGroup, and Output holds what it wrote before.
func TestKillGroupStopsTheProcess(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	cmd := exec.Command(sh, "-c", "echo started; exec sleep 30")
	out := new(Output)
	cmd.Stdout = out
	SetGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for i := 0; i < 200 && out.String() == ""; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	KillGroup(cmd)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the process did not exit after KillGroup")
	}
	if got, want := out.String(), "started\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

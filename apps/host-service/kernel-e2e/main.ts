// Entry of the real-kernel e2e test (node:test, compiled to JS), run by guest.sh inside the VM
// once dockerd is up; never on a host (it needs the VM's kernel, uinput and engine).
import './vm-guard';
import './input-path.kernel';

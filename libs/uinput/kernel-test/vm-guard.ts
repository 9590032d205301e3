// Imported first by main.ts: the kernel tests unload and reload the uinput module, so they run
// only as root inside the VM of tools/vm/run.sh, never on a host.
if (process.env.FRACTAL_VM !== '1') {
  process.stderr.write('the uinput kernel tests run only inside the VM: npx nx run uinput:kernel-test\n');
  process.exit(2);
}
export {};

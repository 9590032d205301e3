// Imported first by main.ts: this test runs as root inside the VM of tools/vm/run.sh only.
if (process.env.FRACTAL_VM !== '1') {
  process.stderr.write('the kernel e2e test runs only inside the VM: npx nx run host-service:kernel-e2e\n');
  process.exit(2);
}
export {};

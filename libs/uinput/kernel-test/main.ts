// Entry of the real-kernel tests (node:test, compiled to JS: ts-jest would crawl under TCG).
// Files run in this order, one test at a time; the module-unloading ones come last.
import './vm-guard';
import './devices.kernel';
import './device-set.kernel';
import './errors.kernel';

// Seeded fuzz run of the mount-option parser against a Map-based model (big run: `make fuzz`).
import { mountOptionsTarget } from '../../fuzz/mount-options';
import { runSeeded } from '../../fuzz/target';

test('mount options: same meaning as the model, prototype names are data', () => runSeeded(mountOptionsTarget, 3000));

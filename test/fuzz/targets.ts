// Every fuzz target, in the order the big run (scripts/fuzz.sh) runs them.
import { mountOptionsTarget } from './mount-options';
import { specFixtures, specJson } from './spec';
import type { FuzzTarget } from './target';
import { taskDecode, taskServer } from './task';
import { decoderBytes, decoderFrames, liveServer } from './ttrpc';

export const TARGETS: readonly FuzzTarget[] = [decoderFrames, decoderBytes, liveServer, taskDecode, taskServer, specJson, specFixtures, mountOptionsTarget];

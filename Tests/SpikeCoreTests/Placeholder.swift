// SpikeCore tests land with issue #3

"""Plain, typed objects that hold the console's behaviour, one concern each.

The app builds them for one environment (`GenesisApp.bind`) and hands each what it
needs in its constructor; none of them knows the app, and none reaches into another's
private attributes. The app's key actions are thin delegates to them.
"""

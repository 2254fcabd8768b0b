"""Multi-sensor fusion tracking: motion models, measurement models, association,
initiation and the tracker loop that turns reports into tracks."""

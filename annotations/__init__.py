"""Centers, projects, cases, mosaics, reads and regions: the records readers work on."""

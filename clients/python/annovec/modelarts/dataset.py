"""Dataset: the v2 data-management calls (/v2/{project_id}/datasets...) of one dataset, and Files:
annovec's file store (/v2/{project_id}/files, the OBS of a self-hosted set-up).

    from annovec.modelarts import config, Dataset
    client = config.create_client()
    ds = Dataset.create(client, "pets", data_path="/photos/in/", work_path="/photos/out/")
    ds.import_files({"cat.gif": gif_bytes})             # upload into data_path, then add as samples
    ids = [r.info for r in ds.add_samples([{"name": "dog.gif", "data": dog_bytes}]).results]
    ds.delete_samples(ids, delete_source=True)
    v = ds.create_version()

Every call answers an Answer (a dict with attribute access) or raises ApiException. A batch that
partly fails (S1, S5) answers 200 with success false and per-item results: that is returned, not
raised, so the caller sees which items failed.
"""
import base64

from .client.api_client import segment


def _b64(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


class Files:
    """The project's file store: upload, download, list and delete files by path."""

    def __init__(self, client, project_id=None):
        self.client = client
        self.project_id = client.require_project(project_id)

    def _path(self):
        return "/v2/%s/files" % segment(self.project_id)

    def upload(self, path, data):
        """PUT the bytes at path ("/bucket/dir/name") -> {path, size}."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self.client.call("PUT", self._path(), query={"path": path}, raw=bytes(data), content_type="application/octet-stream")

    def download(self, path):
        """The file's bytes."""
        return self.client.call("GET", self._path(), query={"path": path}, want_bytes=True)

    def list(self, prefix="/", marker=None, limit=None):
        """-> {files:[{path, size, create_time, sample_refs, version_refs, in_use, doomed}], is_truncated, next_marker?}."""
        return self.client.call("GET", self._path(), query={"prefix": prefix, "marker": marker, "limit": limit})

    def delete(self, path, when_unused=None):
        """204 {} when unused; with when_unused=True a file in use is deleted with its last reference."""
        return self.client.call("DELETE", self._path(), query={"path": path, "when_unused": when_unused})


class Dataset:
    """One dataset of a project. Make it with Dataset.create(...) or Dataset(client, dataset_id)."""

    def __init__(self, client, dataset_id, project_id=None):
        self.client = client
        self.project_id = client.require_project(project_id)
        self.dataset_id = segment(dataset_id)

    def __repr__(self):
        return "Dataset(%r, project_id=%r)" % (self.dataset_id, self.project_id)

    # ---- datasets (D1-D6) -------------------------------------------------------------------------

    @staticmethod
    def _root(client, project_id):
        return "/v2/%s/datasets" % segment(client.require_project(project_id))

    @classmethod
    def create(cls, client, dataset_name, data_path, work_path, dataset_type=0, labels=None, description=None,
               project_id=None, **fields):
        """D1: a dataset of the files under data_path ("/bucket/dir/"); answers a Dataset (its
        create answer in .created). Further D1 fields (label_format, workspace_id, ...) as keywords."""
        body = dict(fields, dataset_name=dataset_name, dataset_type=dataset_type,
                    data_sources=[{"data_type": 0, "data_path": data_path}], work_path=work_path, work_path_type=0)
        if labels is not None:
            body["labels"] = labels
        if description is not None:
            body["description"] = description
        r = client.call("POST", cls._root(client, project_id), body=body)
        ds = cls(client, r["dataset_id"], project_id)
        ds.created = r
        return ds

    @classmethod
    def list(cls, client, project_id=None, offset=None, limit=None, **query):
        """D2 -> {total_number, datasets:[...]}; query: sort_by, order, search_content, dataset_type."""
        return client.call("GET", cls._root(client, project_id), query=dict(query, offset=offset, limit=limit))

    @property
    def _ds(self):
        return "/v2/%s/datasets/%s" % (segment(self.project_id), self.dataset_id)

    @property
    def _da(self):
        return self._ds + "/data-annotations"

    def info(self, **query):
        """D3: the dataset object."""
        return self.client.call("GET", self._ds, query=query)

    def update(self, **fields):
        """D4: dataset_name, description, current_version_id, add_labels, update_labels, delete_labels."""
        return self.client.call("PUT", self._ds, body=fields)

    def delete(self):
        """D5: deletes the dataset (samples, labels, versions; source files stay) -> {}."""
        return self.client.call("DELETE", self._ds)

    def stats(self, **query):
        """D6: {label_stats, sample_stats, ...}."""
        return self.client.call("GET", self._da + "/stats", query=query)

    # ---- samples (S1-S5) and importing ------------------------------------------------------------

    def add_samples(self, samples, final_annotation=None, label_format=None):
        """S1: samples are dicts {name, data (bytes or base64 str) | data_source, labels?, metadata?,
        sample_type?}; bytes are base64-encoded here. -> {success, results:[{success, name, info}]}
        (info = the new sample id)."""
        out = []
        for s in samples:
            s = dict(s)
            if isinstance(s.get("data"), (bytes, bytearray, memoryview)):
                s["data"] = _b64(bytes(s["data"]))
            out.append(s)
        body = {"samples": out}
        if final_annotation is not None:
            body["final_annotation"] = final_annotation
        if label_format is not None:
            body["label_format"] = label_format
        return self.client.call("POST", self._da + "/samples", body=body)

    def import_files(self, files, directory=None, labels=None):
        """Uploads files ({name: bytes} or [(name, bytes)]) into the dataset's input directory (or
        `directory`) of the file store and adds each as a sample by its path. Answers the S1 answer."""
        items = files.items() if isinstance(files, dict) else files
        base = directory or self.info()["data_sources"][0]["data_path"]
        if not base.endswith("/"):
            base += "/"
        store = Files(self.client, self.project_id)
        samples = []
        for name, data in items:
            path = base + name
            store.upload(path, data)
            s = {"name": name, "data_source": {"data_type": 0, "data_path": path}}
            if labels is not None:
                s["labels"] = labels
            samples.append(s)
        return self.add_samples(samples)

    def list_samples(self, offset=None, limit=None, version_id=None, sample_state=None, label_name=None,
                     search_conditions=None, **query):
        """S2 -> {sample_count, samples:[...]}; search_conditions a dict or a list (sent as JSON)."""
        q = dict(query, offset=offset, limit=limit, version_id=version_id, sample_state=sample_state,
                 label_name=label_name, search_conditions=search_conditions)
        return self.client.call("GET", self._da + "/samples", query=q)

    def get_sample(self, sample_id, **query):
        """S3: one sample."""
        return self.client.call("GET", self._da + "/samples/" + segment(sample_id), query=query)

    def update_samples(self, samples, **fields):
        """S4: [{sample_id, labels:[{name}]}] (all or nothing)."""
        return self.client.call("PUT", self._da + "/samples", body=dict(fields, samples=list(samples)))

    def delete_samples(self, sample_ids, delete_source=False):
        """S5 -> {success:true} or {success:false, error_code, error_msg, results:[...]}."""
        return self.client.call("POST", self._da + "/samples/delete",
                                body={"samples": list(sample_ids), "delete_source": bool(delete_source)})

    # ---- labels (L1-L6) ---------------------------------------------------------------------------

    def list_labels(self, **query):
        return self.client.call("GET", self._da + "/labels", query=query)

    def create_labels(self, labels):
        return self.client.call("POST", self._da + "/labels", body={"labels": list(labels)})

    def update_labels(self, labels):
        return self.client.call("PUT", self._da + "/labels", body={"labels": list(labels)})

    def delete_labels(self, labels, delete_policy=0):
        """L4: labels are names or {name} dicts; delete_policy 0 label only, 1 also samples left
        without a label, 2 also their sources."""
        body = {"labels": [{"name": l} if isinstance(l, str) else l for l in labels]}
        return self.client.call("POST", self._da + "/labels/delete", query={"delete_policy": delete_policy}, body=body)

    def update_label(self, name, **fields):
        return self.client.call("PUT", self._da + "/labels/" + segment(name), body=fields)

    def delete_label(self, name, delete_source=None, label_type=None):
        return self.client.call("DELETE", self._da + "/labels/" + segment(name),
                                query={"delete_source": delete_source, "label_type": label_type})

    # ---- versions (V1-V4) -------------------------------------------------------------------------

    def create_version(self, version_name=None, **fields):
        """V1 -> {version_id}."""
        body = dict(fields)
        if version_name is not None:
            body["version_name"] = version_name
        return self.client.call("POST", self._ds + "/versions", body=body)

    def list_versions(self, **query):
        """V2 -> {total_number, versions:[...]}."""
        return self.client.call("GET", self._ds + "/versions", query=query)

    def get_version(self, version_id):
        return self.client.call("GET", self._ds + "/versions/" + segment(version_id))

    def delete_version(self, version_id):
        return self.client.call("DELETE", self._ds + "/versions/" + segment(version_id))

    # ---- team labeling tasks (W1-W6) --------------------------------------------------------------

    @staticmethod
    def workforces(*teams, agency=None):
        """A workforces_config from (workforce_id, [email or (email, role) or {email, role}]) pairs:
        Dataset.workforces(("teamA", ["a@x.com", ("b@x.com", 1)]))."""
        wfs = []
        for wid, workers in teams:
            ws = []
            for w in workers:
                if isinstance(w, str):
                    ws.append({"email": w})
                elif isinstance(w, (tuple, list)):
                    ws.append({"email": w[0], "role": w[1]})
                else:
                    ws.append(dict(w))
            wfs.append({"workforce_id": wid, "workers": ws})
        cfg = {"workforces": wfs}
        if agency is not None:
            cfg["agency"] = agency
        return cfg

    @property
    def _wt(self):
        return self._ds + "/workforce-tasks"

    def create_workforce_task(self, task_name, workforces_config, **fields):
        """W1 -> {task_id}; fields: description, repetition, synchronize_data,
        synchronize_auto_labeling_data, auto_sync_dataset, data_sync_type, sample_conditions."""
        return self.client.call("POST", self._wt, body=dict(fields, task_name=task_name, workforces_config=workforces_config))

    def list_workforce_tasks(self, offset=None, limit=None):
        """W2 -> {count, tasks:[...]}."""
        return self.client.call("GET", self._wt, query={"offset": offset, "limit": limit})

    def get_workforce_task(self, task_id, label_stats=None, sample_stats=None, workforce_stats=None):
        """W3: one task (status 6 created, 1 running; workforce_stats, sample_stats, label_stats)."""
        return self.client.call("GET", self._wt + "/" + segment(task_id),
                                query={"label_stats": label_stats, "sample_stats": sample_stats, "workforce_stats": workforce_stats})

    def start_workforce_task(self, task_id, workforces_config=None):
        """W4: starts the task (replacing its workers when workforces_config is given) -> {}."""
        body = {} if workforces_config is None else {"workforces_config": workforces_config}
        return self.client.call("POST", self._wt + "/" + segment(task_id), body=body)

    def update_workforce_task(self, task_id, **fields):
        """W5: task_name, description, repetition, workforces_config, ... -> {}."""
        return self.client.call("PUT", self._wt + "/" + segment(task_id), body=fields)

    def delete_workforce_task(self, task_id):
        """W6: deletes the task (its samples stay) -> {}."""
        return self.client.call("DELETE", self._wt + "/" + segment(task_id))

"""LabelApi of the old ModelArts SDK (spec §10): labeling jobs on /v1/{project_id}/annotation-jobs."""
from ..api_client import segment


class LabelApi:
    def __init__(self, api_client):
        self.api_client = api_client

    def _path(self, project_id, rest=""):
        return "/v1/%s/annotation-jobs%s" % (segment(project_id), rest)

    def create_label_job(self, project_id, body):
        """POST: {name, description?, data_type:"OBS"|"filter job", path?, filter_id?,
        type:"Manual Image classify"|"Manual Object detection"} -> {job_id, dls_prj_id}."""
        return self.api_client.call("POST", self._path(project_id), body=body)

    def query_label_jobs(self, project_id, offset=None, limit=None, sort_by=None, order=None, search_content=None, **query):
        """GET -> {job_total_count, jobs:[{id, name, type, path, create_time, dls_prj_id, progress_detail}]}."""
        q = dict(query, offset=offset, limit=limit, sort_by=sort_by, order=order, search_content=search_content)
        return self.api_client.call("GET", self._path(project_id), query=q)

    def mod_label_job(self, project_id, job_id, body):
        """PUT /{job_id} {name, description?} -> {job_id}."""
        return self.api_client.call("PUT", self._path(project_id, "/" + segment(job_id)), body=body)

    def delete_label_job(self, project_id, job_id):
        """DELETE /{job_id} -> {job_id, error_code?, error_msg?}."""
        return self.api_client.call("DELETE", self._path(project_id, "/" + segment(job_id)))

    def query_validation(self, project_id, job_id):
        """GET /{job_id}/validation."""
        return self.api_client.call("GET", self._path(project_id, "/%s/validation" % segment(job_id)))

    def save_validation(self, project_id, job_id, body):
        """POST /{job_id}/validation {pass_rate}."""
        return self.api_client.call("POST", self._path(project_id, "/%s/validation" % segment(job_id)), body=body)
